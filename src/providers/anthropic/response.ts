// An Anthropic message → IR ChatResponse.
import { GatehouseError } from '../../core/errors/index.ts';
import type { ChatResponse } from '../../core/ir/index.ts';
import { anthropicStopReasonToFinish } from './finish-reason.ts';
import { anthropicUsageToIr } from './usage.ts';
import type { AnthropicMessage, AnthropicResponseBlock } from './wire.ts';

export function decodeAnthropicMessage(provider: string, body: unknown): ChatResponse {
  if (!isMessage(body)) {
    throw new GatehouseError(
      'GH_UPSTREAM_PROTOCOL',
      `${provider} answered with something that is not a message.`,
      {
        provider,
      },
    );
  }
  const content: ChatResponse['content'] = [];
  for (const block of body.content) {
    const part = decodeBlock(block);
    if (part) content.push(part);
  }
  const response: ChatResponse = {
    id: body.id,
    model: body.model,
    content,
    finishReason: anthropicStopReasonToFinish(body.stop_reason),
    usage: anthropicUsageToIr(body.usage),
  };
  if (body.stop_reason === 'stop_sequence' && typeof body.stop_sequence === 'string') {
    response.stopSequence = body.stop_sequence;
  }
  return response;
}

/** Server-tool blocks (web search and the like) have no IR equivalent and are left to pass-through. */
function decodeBlock(block: AnthropicResponseBlock): ChatResponse['content'][number] | undefined {
  if ('text' in block && block.type === 'text') return { type: 'text', text: block.text };
  if ('thinking' in block && block.type === 'thinking') {
    return {
      type: 'thinking',
      text: block.thinking,
      ...(block.signature ? { signature: block.signature } : {}),
    };
  }
  if ('data' in block && block.type === 'redacted_thinking')
    return { type: 'redacted_thinking', data: block.data };
  if ('input' in block && block.type === 'tool_use') {
    return {
      type: 'tool_call',
      id: block.id,
      name: block.name,
      arguments: JSON.stringify(block.input ?? {}),
    };
  }
  return undefined;
}

function isMessage(body: unknown): body is AnthropicMessage {
  if (body === null || typeof body !== 'object') return false;
  const candidate = body as Partial<AnthropicMessage>;
  return (
    candidate.type === 'message' &&
    typeof candidate.id === 'string' &&
    typeof candidate.model === 'string' &&
    Array.isArray(candidate.content)
  );
}
