// What a provider sends upstream and gets back, and how upstream failures are classified: shared by
// the HTTP client (http.ts) and the dispatcher handler of one call (exchange.ts), which import this
// and not each other's.
import type { IncomingHttpHeaders } from 'node:http';
import { GatehouseError } from '../core/errors/index.ts';

export interface Timeouts {
  /** TCP/TLS connection set-up. */
  connectMs: number;
  /** Until the upstream's first byte: response headers, and for a stream its first event. Also the longest silence between stream chunks. */
  firstByteMs: number;
  /** The whole attempt, from sending to the last byte. */
  totalMs: number;
}

export interface CallOptions {
  /** Aborted when the caller leaves or the attempt's total timeout passes; the reason is a GatehouseError. */
  signal: AbortSignal;
  timeouts: Timeouts;
  requestId: string;
  /** Headers to propagate upstream (e.g. `traceparent`). */
  headers?: Record<string, string>;
}

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
