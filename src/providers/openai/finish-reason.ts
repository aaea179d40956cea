import type { FinishReason } from '../../core/ir/index.ts';

/**
 * OpenAI's `finish_reason` in IR terms (NOTES §7.1). Some compatible servers (older Ollama, vLLM
 * tool parsers) end a tool-calling turn with `stop`; an Anthropic-surface client would then not run
 * the tools, so a `stop` that ends a message with tool calls is read as `tool_calls`.
 */
export function openaiFinishReasonToIr(
  reason: string | null | undefined,
  hasToolCalls: boolean,
): FinishReason {
  switch (reason) {
    case 'stop':
      return hasToolCalls ? 'tool_calls' : 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    case null:
    case undefined:
      return hasToolCalls ? 'tool_calls' : 'stop';
    default:
      return 'other';
  }
}
