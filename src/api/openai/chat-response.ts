// IR → an OpenAI `chat.completion`, unless the answer came from an OpenAI-dialect upstream, which
// is returned as it was so that fields Gatehouse does not model reach the caller.
import {
  type ChatRequest,
  type ChatResult,
  type FinishReason,
  type JsonText,
  passThrough,
  type Usage,
} from '../../core/ir/index.ts';

export function encodeChatResponse(
  result: ChatResult,
  _req: ChatRequest,
): Record<string, unknown> | JsonText {
  const raw = result.raw;
  if (raw?.dialect === 'openai' && isObject(raw.body)) return passThrough(raw);
  const { response } = result;
  let text = '';
  let reasoning = '';
  const toolCalls: Array<Record<string, unknown>> = [];
  for (const part of response.content) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'thinking') reasoning += part.text;
    else if (part.type === 'tool_call') {
      toolCalls.push({
        id: part.id,
        type: 'function',
        function: { name: part.name, arguments: part.arguments },
      });
    }
  }
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
    refusal: null,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  // Reasoning text has no field in OpenAI's schema; `reasoning_content` is the widespread extension.
  if (reasoning !== '') message.reasoning_content = reasoning;
  return {
    id: chatCompletionId(response.id),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: response.model,
    choices: [
      { index: 0, message, logprobs: null, finish_reason: openaiFinishReason(response.finishReason) },
    ],
    usage: openaiUsage(response.usage),
  };
}

export function chatCompletionId(id: string): string {
  return id.startsWith('chatcmpl-') ? id : `chatcmpl-${id}`;
}

export function openaiFinishReason(reason: FinishReason): string {
  return reason === 'error' || reason === 'other' ? 'stop' : reason;
}

export function openaiUsage(usage: Usage): Record<string, unknown> {
  const promptDetails: Record<string, number> = { cached_tokens: usage.cacheReadTokens ?? 0 };
  if (usage.cacheWriteTokens !== undefined) promptDetails.cache_write_tokens = usage.cacheWriteTokens;
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: promptDetails,
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
