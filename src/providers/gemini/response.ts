// A Gemini `generateContent` answer → IR ChatResponse. Only the first candidate is read (the request
// asks for one). Gemini issues no tool-call ids, so the gateway makes them up.
import { randomBytes } from 'node:crypto';
import { GatehouseError } from '../../core/errors/index.ts';
import type { ChatResponse, FinishReason, ThinkingPart, ToolCallPart } from '../../core/ir/index.ts';
import { geminiFinishReasonToFinish } from './finish-reason.ts';
import { geminiUsageToIr } from './usage.ts';
import type { GeminiPart, GeminiResponse } from './wire.ts';

export type DecodedPart = { type: 'text'; text: string } | ThinkingPart | ToolCallPart;

/** `model` stands in for the served model when the answer does not name its `modelVersion`. */
export function decodeGeminiResponse(provider: string, body: unknown, model: string): ChatResponse {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new GatehouseError(
      'GH_UPSTREAM_PROTOCOL',
      `${provider} answered with something that is not a response.`,
      {
        provider,
      },
    );
  }
  const response = body as GeminiResponse;
  const candidate = response.candidates?.[0];
  const content = (candidate?.content?.parts ?? []).flatMap(decodeGeminiPart);
  return {
    id: response.responseId ?? '',
    model: response.modelVersion ?? model,
    content,
    finishReason:
      geminiResponseFinish(
        response,
        content.some((part) => part.type === 'tool_call'),
      ) ?? 'other',
    usage: geminiUsageToIr(response.usageMetadata),
  };
}

/**
 * The finish reason a response (or a stream event) states, if any. A prompt blocked before
 * generation has no candidates, only `promptFeedback.blockReason`.
 */
export function geminiResponseFinish(
  response: GeminiResponse,
  hasFunctionCalls: boolean,
): FinishReason | undefined {
  const reason = response.candidates?.[0]?.finishReason;
  if (reason !== undefined) return geminiFinishReasonToFinish(reason, hasFunctionCalls);
  if (!response.candidates?.length && response.promptFeedback?.blockReason) return 'content_filter';
  return undefined;
}

/** One Gemini part as IR content; parts the IR has no place for (code execution and the like) vanish. */
export function decodeGeminiPart(part: GeminiPart): DecodedPart[] {
  if (part.functionCall) {
    const call: ToolCallPart = {
      type: 'tool_call',
      id: part.functionCall.id || geminiToolCallId(),
      name: part.functionCall.name,
      arguments: JSON.stringify(part.functionCall.args ?? {}),
    };
    if (part.thoughtSignature) call.signature = part.thoughtSignature;
    return [call];
  }
  if (typeof part.text !== 'string') return [];
  if (part.thought) {
    const thinking: ThinkingPart = { type: 'thinking', text: part.text };
    if (part.thoughtSignature) thinking.signature = part.thoughtSignature;
    return [thinking];
  }
  // Gemini 3 may end with an empty text part that only carries a signature; it has nothing to say.
  return part.text === '' ? [] : [{ type: 'text', text: part.text }];
}

export function geminiToolCallId(): string {
  return `call_${randomBytes(12).toString('hex')}`;
}
