// The client-facing surfaces as the server sees them: each decodes its wire format into the IR and
// encodes answers (and errors) back into it. The Responses surface is built per request (it carries
// the conversation's state): see responses.ts.
import * as anthropic from '../api/anthropic/index.ts';
import * as openai from '../api/openai/index.ts';
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

/** An OpenAI- or Anthropic-compatible chat surface. */
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

export const openaiSurface: ChatSurface & EmbeddingsSurface = {
  name: 'openai',
  decodeChat: openai.decodeChatRequest,
  encodeChat: openai.encodeChatResponse,
  streamEncoder: (req, requestId) => new openai.OpenAIStreamEncoder(req, requestId),
  errorBody: openai.errorBody,
  decodeEmbeddings: openai.decodeEmbeddingsRequest,
  encodeEmbeddings: openai.encodeEmbeddingsResponse,
};

export const anthropicSurface: ChatSurface = {
  name: 'anthropic',
  decodeChat: anthropic.decodeMessagesRequest,
  encodeChat: anthropic.encodeMessagesResponse,
  streamEncoder: (req, requestId) => new anthropic.AnthropicStreamEncoder(req, requestId),
  errorBody: anthropic.errorBody,
};

/** The legacy OpenAI completions (a bare prompt), translated like chat. */
export const completionsSurface: ChatSurface = {
  name: 'openai',
  decodeChat: openai.decodeCompletionRequest,
  encodeChat: openai.encodeCompletionResponse,
  streamEncoder: (req, requestId) => new openai.CompletionStreamEncoder(req, requestId),
  errorBody: openai.errorBody,
};
