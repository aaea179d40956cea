import type { GatehouseError } from '../core/errors/index.ts';
import type {
  ChatRequest,
  ChatResult,
  Dialect,
  EmbeddingsRequest,
  EmbeddingsResult,
  StreamChunk,
} from '../core/ir/index.ts';

export interface StreamEncoder {
  encode(chunk: StreamChunk, dialect: Dialect): string;
  end(): string;
  error(err: GatehouseError): string;
}

/** What the pipeline needs from a client-facing surface (OpenAI- or Anthropic-compatible). */
export interface ChatSurface {
  readonly name: 'openai' | 'anthropic';
  decodeChat(body: unknown): ChatRequest;
  encodeChat(result: ChatResult, req: ChatRequest): unknown;
  streamEncoder(req: ChatRequest, requestId: string): StreamEncoder;
  errorBody(err: GatehouseError, requestId: string): unknown;
}

export interface EmbeddingsSurface {
  decodeEmbeddings(body: unknown): EmbeddingsRequest;
  encodeEmbeddings(result: EmbeddingsResult, req: EmbeddingsRequest): unknown;
}
