// All outbound HTTP goes through one HttpClient: keep-alive pools per origin, per-phase timeouts
// (connect, first byte, stalls between chunks), and every network failure classified as a
// GatehouseError so the router can decide on failover.
import { Agent } from 'undici';
import { Exchange } from './exchange.ts';
import { networkError, type UpstreamRequest, type UpstreamResponse } from './upstream.ts';

export {
  networkError,
  parseJson,
  retryAfterSeconds,
  type UpstreamRequest,
  type UpstreamResponse,
} from './upstream.ts';

interface Target {
  origin: string;
  path: string;
  /** Basic credentials from the URL, sent unless the request has its own authorization. */
  authorization?: string;
}

export class HttpClient {
  readonly #connections: number;
  /** One pool set per connect timeout: undici sets that timeout per agent, not per request. */
  readonly #agents = new Map<number, Agent>();
  readonly #targets = new Map<string, Target>();

  constructor(options: { connectionsPerOrigin?: number } = {}) {
    this.#connections = options.connectionsPerOrigin ?? 128;
  }

  send(req: UpstreamRequest): Promise<UpstreamResponse> {
    const { opts, provider } = req;
    const signal = opts.signal;
    if (signal.aborted) return Promise.reject(networkError(provider, signal.reason, signal));
    const target = this.#target(req.url);
    const headers: Record<string, string> = opts.headers
      ? { ...opts.headers, ...req.headers }
      : { ...req.headers };
    if (target.authorization && headers.authorization === undefined)
      headers.authorization = target.authorization;
    const exchange = new Exchange(provider, signal);
    // undici's dispatch, below its request API: no stream objects per call, and one promise. The
    // first-byte timeout bounds the wait for the headers and every silence between body chunks.
    try {
      this.#agent(opts.timeouts.connectMs).dispatch(
        {
          origin: target.origin,
          path: target.path,
          method: req.method ?? 'POST',
          headers,
          body: req.body ?? null,
          headersTimeout: opts.timeouts.firstByteMs,
          bodyTimeout: opts.timeouts.firstByteMs,
        },
        exchange,
      );
    } catch (err) {
      exchange.onResponseError(undefined, err as Error);
    }
    return exchange.response;
  }

  #agent(connectMs: number): Agent {
    let agent = this.#agents.get(connectMs);
    if (!agent) {
      // HTTP/1.1 only: undici would otherwise take HTTP/2 wherever a TLS upstream offers it, and
      // many calls would share one connection and its flow control.
      agent = new Agent({ connections: this.#connections, connect: { timeout: connectMs }, allowH2: false });
      this.#agents.set(connectMs, agent);
    }
    return agent;
  }

  /** The parsed origin of a URL, kept per URL text: parsing one costs more than the rest of a send. */
  #target(url: string): Target {
    let target = this.#targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: parsed.pathname + parsed.search };
      if (parsed.username || parsed.password) {
        const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
        target.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
      }
      if (this.#targets.size >= 1000) this.#targets.clear();
      this.#targets.set(url, target);
    }
    return target;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#agents.values()].map((agent) => agent.destroy()));
    this.#agents.clear();
  }
}
