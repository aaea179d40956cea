// The two client-facing surfaces, as the pipeline sees them.
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
