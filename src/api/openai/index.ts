// The OpenAI-compatible surface: what an `openai` SDK client talks to.
export { decodeChatRequest } from './chat-request.ts';
export { encodeChatResponse } from './chat-response.ts';
export { OpenAIStreamEncoder } from './chat-stream.ts';
export { decodeEmbeddingsRequest, encodeEmbeddingsResponse, encodeModelList } from './embeddings.ts';
export { errorBody } from './errors.ts';
export { decodeCompletionRequest, encodeCompletionResponse, CompletionStreamEncoder } from './completions.ts';
export {
  decodeResponsesRequest,
  inputItems,
  nativeOnlyFeatures,
  parseResponsesBody,
  type ResponsesBody,
} from './responses-request.ts';
export { encodeResponsesResponse, hex, newResponseContext } from './responses-response.ts';
export { ResponsesStreamEncoder } from './responses-stream.ts';
