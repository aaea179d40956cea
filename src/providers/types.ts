import type {
  ChatRequest,
  ChatResult,
  ChatStream,
  Dialect,
  EmbeddingsRequest,
  EmbeddingsResult,
} from '../core/ir/index.ts';
import type { HttpClient } from './http.ts';

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

/**
 * One configured provider. `model` is the provider's own model id (the target's `model`).
 * Failures are thrown as GatehouseError, classified so the router can decide whether to fail over.
 */
export interface Provider {
  readonly name: string;
  readonly dialect: Dialect;
  complete(req: ChatRequest, model: string, opts: CallOptions): Promise<ChatResult>;
  /** Resolves once the upstream has accepted the request (HTTP 2xx); events follow through the iterator. */
  stream(req: ChatRequest, model: string, opts: CallOptions): Promise<ChatStream>;
  embed?(req: EmbeddingsRequest, model: string, opts: CallOptions): Promise<EmbeddingsResult>;
  /** Input tokens the request would use; providers without a counting endpoint leave it out and the gateway estimates. */
  countTokens?(req: ChatRequest, model: string, opts: CallOptions): Promise<number>;
}

export interface ProviderDeps {
  http: HttpClient;
}
