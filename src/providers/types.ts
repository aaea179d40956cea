import type {
  ChatRequest,
  ChatResult,
  ChatStream,
  Dialect,
  EmbeddingsRequest,
  EmbeddingsResult,
} from '../core/ir/index.ts';
import type { HttpClient } from './http.ts';
import type { CallOptions } from './upstream.ts';

// Defined beside the HTTP client, which must not import this file back.
export type { CallOptions, Timeouts } from './upstream.ts';

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
