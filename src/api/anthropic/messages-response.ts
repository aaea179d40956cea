// IR → an Anthropic `message`, unless an Anthropic upstream answered, whose body is returned as is.
import {
  type ChatRequest,
  type ChatResponse,
  type ChatResult,
  type FinishReason,
  type JsonText,
  passThrough,
  type Usage,
} from '../../core/ir/index.ts';

export function encodeMessagesResponse(
  result: ChatResult,
  _req: ChatRequest,
): Record<string, unknown> | JsonText {
  const raw = result.raw;
  if (raw?.dialect === 'anthropic' && raw.body !== null && typeof raw.body === 'object') {
    return passThrough(raw);
  }
  const { response } = result;
  const content = response.content.map(contentBlock);
  return {
    id: messageId(response.id),
    type: 'message',
    role: 'assistant',
    model: response.model,
    content,
    stop_reason: anthropicStopReason(response.finishReason, response.stopSequence),
    stop_sequence: response.stopSequence ?? null,
    usage: anthropicUsage(response.usage),
  };
}

function contentBlock(part: ChatResponse['content'][number]): Record<string, unknown> {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'thinking':
      return { type: 'thinking', thinking: part.text, signature: part.signature ?? '' };
    case 'redacted_thinking':
      return { type: 'redacted_thinking', data: part.data };
    case 'tool_call':
      return { type: 'tool_use', id: part.id, name: part.name, input: parseArguments(part.arguments) };
  }
}

export function messageId(id: string): string {
  return id.startsWith('msg_') ? id : `msg_${id}`;
}

export function anthropicStopReason(reason: FinishReason, stopSequence?: string): string {
  switch (reason) {
    case 'stop':
      return stopSequence ? 'stop_sequence' : 'end_turn';
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/** Anthropic counts cache reads and writes apart from `input_tokens`. */
export function anthropicUsage(usage: Usage): Record<string, number> {
  const cacheRead = usage.cacheReadTokens ?? 0;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  return {
    input_tokens: Math.max(0, usage.inputTokens - cacheRead - cacheWrite),
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
    output_tokens: usage.outputTokens,
  };
}

/**
 * Tool arguments as the object Anthropic clients expect. Providers send JSON text; text that is not a
 * JSON object (a model's malformed output) is kept under `_raw` rather than lost.
 */
export function parseArguments(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  return { _raw: text };
}
