// The client-facing surfaces, as the pipeline sees them. The Responses surface is built per request
// (it carries the conversation's state): see responses.ts.
import * as anthropic from '../api/anthropic/index.ts';
import * as openai from '../api/openai/index.ts';
import type { ChatSurface, EmbeddingsSurface } from '../pipeline/index.ts';

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
