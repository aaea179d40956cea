// All outbound HTTP goes through one HttpClient: keep-alive pools per origin, per-phase timeouts
// (connect, first byte, stalls between chunks), and every network failure classified as a
// GatehouseError so the router can decide on failover.
import type { IncomingHttpHeaders } from 'node:http';
import { Agent } from 'undici';
import { GatehouseError } from '../core/errors/index.ts';
import { Exchange } from './exchange.ts';
import type { CallOptions } from './types.ts';

export interface UpstreamRequest {
  provider: string;
  url: string;
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string | Uint8Array;
  opts: CallOptions;
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body; iteration failures (stall, reset, abort) are thrown as GatehouseError. */
  body: AsyncIterable<Uint8Array>;
  text(): Promise<string>;
  json(): Promise<unknown>;
  /** The parsed body and its text, for answers that may be passed through as they came. */
  jsonAndText(): Promise<{ json: unknown; text: string }>;
  /** Discards the rest of the body so the connection can be reused. */
  dump(): Promise<void>;
}

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

export function parseJson(provider: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new GatehouseError('GH_UPSTREAM_PROTOCOL', `${provider} answered with a body that is not JSON.`, {
      provider,
      cause,
    });
  }
}

/** Maps a socket or protocol failure to the gateway's error catalogue. */
export function networkError(provider: string, err: unknown, signal?: AbortSignal): GatehouseError {
  if (err instanceof GatehouseError) return err;
  if (signal?.aborted && signal.reason instanceof GatehouseError) return signal.reason;
  const code = (err as { code?: string } | undefined)?.code ?? '';
  const details = { provider, cause: err };
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new GatehouseError('GH_UPSTREAM_TIMEOUT', `${provider}: connecting timed out.`, details);
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new GatehouseError(
        'GH_UPSTREAM_TIMEOUT',
        `${provider}: no response before the first-byte timeout.`,
        details,
      );
    case 'UND_ERR_BODY_TIMEOUT':
      return new GatehouseError(
        'GH_UPSTREAM_TIMEOUT',
        `${provider}: the response stalled past the first-byte timeout.`,
        details,
      );
    case 'UND_ERR_ABORTED':
    case 'ABORT_ERR':
      return new GatehouseError('GH_UPSTREAM_TIMEOUT', `${provider}: the request was aborted.`, details);
    default:
      return new GatehouseError('GH_UPSTREAM_UNREACHABLE', `${provider}: ${describe(err)}.`, details);
  }
}

function describe(err: unknown): string {
  const code = (err as { code?: string } | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

/** `Retry-After` in seconds (integer seconds or an HTTP date); `retry-after-ms` is honoured too. */
export function retryAfterSeconds(headers: IncomingHttpHeaders): number | undefined {
  const ms = headers['retry-after-ms'];
  if (typeof ms === 'string' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms) / 1000);
  const value = headers['retry-after'];
  if (typeof value !== 'string' || value === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}
