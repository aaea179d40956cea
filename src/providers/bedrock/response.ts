// Converse answers → IR: content blocks, stop reason and usage.
import { GatehouseError } from '../../core/errors/index.ts';
import type { ChatResponse, FinishReason, Usage } from '../../core/ir/index.ts';

export interface ConverseUsage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

export function bedrockStopReasonToFinish(reason: string | undefined): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'content_filtered':
    case 'guardrail_intervened':
      return 'content_filter';
    case 'malformed_model_output':
    case 'malformed_tool_use':
      return 'error';
    default:
      return 'other';
  }
}

/** Bedrock's inputTokens excludes cache reads and writes; the IR counts all input. */
export function bedrockUsage(usage: ConverseUsage | undefined): Usage {
  const cacheRead = usage?.cacheReadInputTokens ?? 0;
  const cacheWrite = usage?.cacheWriteInputTokens ?? 0;
  const out: Usage = {
    inputTokens: (usage?.inputTokens ?? 0) + cacheRead + cacheWrite,
    outputTokens: usage?.outputTokens ?? 0,
  };
  if (usage?.cacheReadInputTokens !== undefined) out.cacheReadTokens = cacheRead;
  if (usage?.cacheWriteInputTokens !== undefined) out.cacheWriteTokens = cacheWrite;
  return out;
}

interface ConverseBlock {
  text?: string;
  toolUse?: { toolUseId: string; name: string; input: unknown };
  reasoningContent?: { reasoningText?: { text: string; signature?: string }; redactedContent?: string };
}

export function converseResponseToIR(
  body: unknown,
  id: string,
  model: string,
  provider: string,
): ChatResponse {
  const value = body as {
    output?: { message?: { content?: ConverseBlock[] } };
    stopReason?: string;
    usage?: ConverseUsage;
  };
  const blocks = value?.output?.message?.content;
  if (!Array.isArray(blocks)) {
    throw new GatehouseError(
      'GH_UPSTREAM_PROTOCOL',
      `${provider}: the Converse answer has no output message.`,
      { provider },
    );
  }
  const content: ChatResponse['content'] = [];
  for (const b of blocks) {
    if (typeof b.text === 'string') content.push({ type: 'text', text: b.text });
    else if (b.toolUse)
      content.push({
        type: 'tool_call',
        id: b.toolUse.toolUseId,
        name: b.toolUse.name,
        arguments: JSON.stringify(b.toolUse.input ?? {}),
      });
    else if (b.reasoningContent?.reasoningText) {
      const r = b.reasoningContent.reasoningText;
      content.push(
        r.signature
          ? { type: 'thinking', text: r.text, signature: r.signature }
          : { type: 'thinking', text: r.text },
      );
    } else if (b.reasoningContent?.redactedContent)
      content.push({ type: 'redacted_thinking', data: b.reasoningContent.redactedContent });
  }
  return {
    id,
    model,
    content,
    finishReason: bedrockStopReasonToFinish(value.stopReason),
    usage: bedrockUsage(value.usage),
  };
}
