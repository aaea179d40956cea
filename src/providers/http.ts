// All outbound HTTP goes through one HttpClient: keep-alive pools per origin (undici Agent), and
// every network failure classified as a GatehouseError so the router can decide on failover.
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, type Dispatcher, request } from 'undici';
import { GatehouseError } from '../core/errors/index.ts';
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
  /** Discards the rest of the body so the connection can be reused. */
  dump(): Promise<void>;
}

export class HttpClient {
  readonly #agents = new Map<number, Agent>();
  readonly #connections: number;

  constructor(options: { connectionsPerOrigin?: number } = {}) {
    this.#connections = options.connectionsPerOrigin ?? 128;
  }

  #agent(connectMs: number): Agent {
    let agent = this.#agents.get(connectMs);
    if (!agent) {
      agent = new Agent({
        connect: { timeout: connectMs },
        connections: this.#connections,
        keepAliveTimeout: 30_000,
      });
      this.#agents.set(connectMs, agent);
    }
    return agent;
  }

  async send(req: UpstreamRequest): Promise<UpstreamResponse> {
    const { opts, provider } = req;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(req.url, {
        dispatcher: this.#agent(opts.timeouts.connectMs),
        method: req.method ?? 'POST',
        headers: opts.headers ? { ...opts.headers, ...req.headers } : req.headers,
        body: req.body,
        signal: opts.signal,
        headersTimeout: opts.timeouts.firstByteMs,
        bodyTimeout: opts.timeouts.firstByteMs,
      });
    } catch (err) {
      throw networkError(provider, err, opts.signal);
    }
    const body = res.body;
    const signal = opts.signal;
    return {
      status: res.statusCode,
      headers: res.headers,
      body: {
        async *[Symbol.asyncIterator]() {
          // Not `for await`: leaving that loop early destroys the body, which closes the pooled
          // connection (and builds an AbortError). A reader that stops at the stream's last event
          // instead lets the rest drain, so the connection goes back to the pool.
          const chunks = body[Symbol.asyncIterator]();
          let ended = false;
          try {
            for (;;) {
              const next = await chunks.next();
              if (next.done) {
                ended = true;
                return;
              }
              yield next.value as Uint8Array;
            }
          } catch (err) {
            ended = true;
            throw networkError(provider, err, signal);
          } finally {
            // In the background, and briefly: an upstream that keeps the body open loses the
            // connection rather than hold up the answer.
            if (!ended)
              void body.dump({ limit: 131_072, signal: AbortSignal.timeout(1_000) }).catch(() => undefined);
          }
        },
      },
      text: () => body.text().catch((err) => Promise.reject(networkError(provider, err, signal))),
      json: () =>
        body.text().then(
          (text) => parseJson(provider, text),
          (err) => Promise.reject(networkError(provider, err, signal)),
        ),
      dump: () => body.dump().catch(() => undefined),
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#agents.values()].map((agent) => agent.close()));
    this.#agents.clear();
  }
}

function parseJson(provider: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new GatehouseError('GH_UPSTREAM_PROTOCOL', `${provider} answered with a body that is not JSON.`, {
      provider,
      cause,
    });
  }
}

/** Maps an undici/socket failure to the gateway's error catalogue. */
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
