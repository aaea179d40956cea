// Responses API answers → IR. There is no finish_reason: it follows from `status`,
// `incomplete_details.reason` and whether the output holds function calls.
import { GatehouseError } from '../../core/errors/index.ts';
import type { ChatResponse, FinishReason, Usage } from '../../core/ir/index.ts';

export interface ResponsesUsage {
  input_tokens?: number;
  input_tokens_details?: { cached_tokens?: number };
  output_tokens?: number;
  output_tokens_details?: { reasoning_tokens?: number };
}

interface OutputItem {
  type: string;
  call_id?: string;
  name?: string;
  arguments?: string;
  content?: Array<{ type: string; text?: string; refusal?: string }>;
  summary?: Array<{ text?: string }>;
}

export interface ResponsesBody {
  id?: string;
  model?: string;
  status?: string;
  incomplete_details?: { reason?: string } | null;
  output?: OutputItem[];
  usage?: ResponsesUsage | null;
}

export function responsesUsageToIr(usage: ResponsesUsage | null | undefined): Usage {
  const result: Usage = { inputTokens: usage?.input_tokens ?? 0, outputTokens: usage?.output_tokens ?? 0 };
  if (usage?.input_tokens_details?.cached_tokens !== undefined)
    result.cacheReadTokens = usage.input_tokens_details.cached_tokens;
  if (usage?.output_tokens_details?.reasoning_tokens !== undefined)
    result.reasoningTokens = usage.output_tokens_details.reasoning_tokens;
  return result;
}

export function responsesFinish(body: ResponsesBody, hasToolCalls: boolean): FinishReason {
  if (body.status === 'incomplete')
    return body.incomplete_details?.reason === 'content_filter' ? 'content_filter' : 'length';
  if (body.status === 'failed') return 'error';
  return hasToolCalls ? 'tool_calls' : 'stop';
}

export function decodeResponsesAnswer(provider: string, value: unknown, model: string): ChatResponse {
  const body = value as ResponsesBody;
  if (!body || !Array.isArray(body.output)) {
    throw new GatehouseError('GH_UPSTREAM_PROTOCOL', `${provider}: the Responses answer has no output.`, {
      provider,
    });
  }
  const content: ChatResponse['content'] = [];
  for (const item of body.output) {
    if (item.type === 'message') {
      for (const c of item.content ?? []) {
        if (c.type === 'output_text' && c.text) content.push({ type: 'text', text: c.text });
        else if (c.type === 'refusal' && c.refusal) content.push({ type: 'text', text: c.refusal });
      }
    } else if (item.type === 'function_call') {
      content.push({
        type: 'tool_call',
        id: item.call_id ?? '',
        name: item.name ?? '',
        arguments: item.arguments || '{}',
      });
    } else if (item.type === 'reasoning') {
      const summary = (item.summary ?? []).map((s) => s.text ?? '').join('');
      if (summary) content.push({ type: 'thinking', text: summary });
    }
  }
  return {
    id: body.id ?? '',
    model: body.model ?? model,
    content,
    finishReason: responsesFinish(
      body,
      content.some((p) => p.type === 'tool_call'),
    ),
    usage: responsesUsageToIr(body.usage),
  };
}
