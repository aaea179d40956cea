// All outbound HTTP goes through one HttpClient: keep-alive pools per origin, per-phase timeouts
// (connect, first byte, stalls between chunks), and every network failure classified as a
// GatehouseError so the router can decide on failover.
import type { IncomingHttpHeaders, IncomingMessage, RequestOptions } from 'node:http';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
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
  /** The parsed body and its text, for answers that may be passed through as they came. */
  jsonAndText(): Promise<{ json: unknown; text: string }>;
  /** Discards the rest of the body so the connection can be reused. */
  dump(): Promise<void>;
}

interface Target {
  request: typeof httpRequest;
  options: RequestOptions;
}

export class HttpClient {
  readonly #agents: { http: HttpAgent; https: HttpsAgent };
  readonly #targets = new Map<string, Target>();

  constructor(options: { connectionsPerOrigin?: number } = {}) {
    // node:http's own keep-alive agents: on the request path they cost markedly less per call than
    // undici's request API, and per-phase timeouts are set on each request below.
    const settings = {
      keepAlive: true,
      maxSockets: options.connectionsPerOrigin ?? 128,
      scheduling: 'lifo' as const,
    };
    this.#agents = { http: new HttpAgent(settings), https: new HttpsAgent(settings) };
  }

  send(req: UpstreamRequest): Promise<UpstreamResponse> {
    const { opts, provider } = req;
    const signal = opts.signal;
    if (signal.aborted) return Promise.reject(networkError(provider, signal.reason, signal));
    return new Promise<UpstreamResponse>((resolve, reject) => {
      const target = this.#target(req.url);
      const body =
        req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
      const headers: Record<string, string | number> = opts.headers
        ? { ...opts.headers, ...req.headers }
        : { ...req.headers };
      if (body !== undefined) headers['content-length'] = body.byteLength;
      // The socket's idle timer is the first-byte and the stall timeout at once: no answer within
      // firstByteMs of sending, or a silence that long between chunks, ends the request. Node keeps
      // it per socket and refreshes it on every read, so there is no timer work per request or chunk.
      const outgoing = target.request({
        ...target.options,
        method: req.method ?? 'POST',
        headers,
        timeout: opts.timeouts.firstByteMs,
      });
      let response: IncomingMessage | undefined;
      let failure: unknown;
      const fail = (err: unknown) => {
        failure ??= err;
        if (!response) reject(networkError(provider, err, signal));
      };
      const onAbort = () => outgoing.destroy(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      outgoing.on('error', fail);
      outgoing.once('close', () => signal.removeEventListener('abort', onAbort));
      outgoing.on('timeout', () =>
        outgoing.destroy(
          response
            ? coded('UND_ERR_BODY_TIMEOUT', 'body timeout')
            : coded('UND_ERR_HEADERS_TIMEOUT', 'headers timeout'),
        ),
      );
      outgoing.once('socket', (socket) => {
        if (!socket.connecting) return;
        const connectTimer = setTimeout(
          () => outgoing.destroy(coded('UND_ERR_CONNECT_TIMEOUT', 'connect timeout')),
          opts.timeouts.connectMs,
        );
        socket.once('connect', () => clearTimeout(connectTimer));
        socket.once('close', () => clearTimeout(connectTimer));
      });
      outgoing.once('response', (res) => {
        response = res;
        res.once('error', (err) => {
          failure ??= err;
        });
        resolve(upstreamResponse(res, provider, signal, () => failure));
      });
      outgoing.end(body);
    });
  }

  /** The parsed origin of a URL, kept per URL text: parsing one costs more than the rest of a send. */
  #target(url: string): Target {
    let target = this.#targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      const secure = parsed.protocol === 'https:';
      target = {
        request: secure ? httpsRequest : httpRequest,
        options: {
          protocol: parsed.protocol,
          hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: parsed.port,
          path: parsed.pathname + parsed.search,
          agent: secure ? this.#agents.https : this.#agents.http,
          ...(parsed.username || parsed.password
            ? { auth: `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}` }
            : {}),
        },
      };
      if (this.#targets.size >= 1000) this.#targets.clear();
      this.#targets.set(url, target);
    }
    return target;
  }

  async close(): Promise<void> {
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }
}

function upstreamResponse(
  res: IncomingMessage,
  provider: string,
  signal: AbortSignal,
  failure: () => unknown,
): UpstreamResponse {
  const collect = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      // 'close' without 'end' is a body cut short (reset, stall, abort).
      res.once('close', () => {
        if (!res.complete)
          reject(networkError(provider, failure() ?? new Error('the response was cut short'), signal));
      });
    });
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    body: {
      async *[Symbol.asyncIterator]() {
        // Not `for await`: leaving that loop early destroys the response and its pooled
        // connection. A reader that stops at the stream's last event lets the rest drain
        // instead, so the connection goes back to the pool.
        const chunks = res[Symbol.asyncIterator]();
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
          throw networkError(provider, failure() ?? err, signal);
        } finally {
          if (!ended) res.resume();
        }
      },
    },
    text: collect,
    json: () => collect().then((text) => parseJson(provider, text)),
    jsonAndText: () => collect().then((text) => ({ json: parseJson(provider, text), text })),
    dump: async () => {
      res.resume();
    },
  };
}

function coded(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
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
