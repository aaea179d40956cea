// The Anthropic-compatible surface: what an `@anthropic-ai/sdk` client talks to.
export { errorBody } from './errors.ts';
export { decodeCountTokensRequest, decodeMessagesRequest } from './messages-request.ts';
export { encodeMessagesResponse } from './messages-response.ts';
export { AnthropicStreamEncoder } from './messages-stream.ts';

export function encodeCountTokens(inputTokens: number): Record<string, number> {
  return { input_tokens: inputTokens };
}
