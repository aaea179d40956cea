// The OpenAI-compatible surface: what an `openai` SDK client talks to.
export { decodeChatRequest } from './chat-request.ts';
export { encodeChatResponse } from './chat-response.ts';
export { OpenAIStreamEncoder } from './chat-stream.ts';
export { decodeEmbeddingsRequest, encodeEmbeddingsResponse, encodeModelList } from './embeddings.ts';
export { errorBody } from './errors.ts';
