// IR → an OpenAI `response` object, unless the answer came from an OpenAI Responses upstream (and
// no stage rewrote it), which is returned as it was but for its id (the gateway's own,
// which its stored copy is found by). The object echoes the request's
// settings (instructions, tools, text format, …) as OpenAI's does; SDKs read `output` and `usage`.
import { randomUUID } from 'node:crypto';
import type { ChatRequest, ChatResult, FinishReason, Usage } from '../../core/ir/index.ts';

/**
 * Per-request facts that are not in the IR: the id handed out, the conversation's state, and the
 * caller's body as it came (the answer echoes its settings even when a stage rewrote the request).
 */
export interface ResponseContext {
  id: string;
  request: Record<string, unknown>;
  createdAt: number;
  previousResponseId: string | null;
  store: boolean;
}

export type OutputItem = Record<string, unknown> & { id: string; type: string };

export function newResponseContext(
  request: Record<string, unknown>,
  previousResponseId: string | null,
  store: boolean,
): ResponseContext {
  return {
    id: `resp_${hex()}`,
    request,
    createdAt: Math.floor(Date.now() / 1000),
    previousResponseId,
    store,
  };
}

/** 32 random hex digits, for response and item ids. */
export function hex(): string {
  return randomUUID().replaceAll('-', '');
}

export function responsesUsage(usage: Usage): Record<string, unknown> {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cacheReadTokens ?? 0 },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

export function statusOf(reason: FinishReason): {
  status: ResponseStatus;
  incomplete: { reason: string } | null;
} {
  if (reason === 'length') return { status: 'incomplete', incomplete: { reason: 'max_output_tokens' } };
  if (reason === 'content_filter') return { status: 'incomplete', incomplete: { reason: 'content_filter' } };
  return { status: 'completed', incomplete: null };
}

/** The `response` object: the request's settings, the output so far, and the usage once known. */
export function responseObject(
  req: ChatRequest,
  context: ResponseContext,
  model: string,
  output: OutputItem[],
  status: ResponseStatus,
  extra: { usage?: Usage; incomplete?: { reason: string } | null } = {},
): Record<string, unknown> {
  const body = context.request;
  const text = body.text && typeof body.text === 'object' ? body.text : { format: { type: 'text' } };
  const response: Record<string, unknown> = {
    id: context.id,
    object: 'response',
    created_at: context.createdAt,
    status,
    background: false,
    error: null,
    incomplete_details: extra.incomplete ?? null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model,
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: context.previousResponseId,
    reasoning: { effort: req.reasoningEffort ?? null, summary: null },
    store: context.store,
    temperature: body.temperature ?? 1,
    text,
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: 'disabled',
    usage: extra.usage ? responsesUsage(extra.usage) : null,
    user: body.user ?? null,
    metadata: body.metadata ?? {},
  };
  if (status !== 'in_progress') response.completed_at = Math.floor(Date.now() / 1000);
  return response;
}

export function messageItem(id: string, text: string, status = 'completed'): OutputItem {
  return {
    id,
    type: 'message',
    status,
    role: 'assistant',
    content: text === '' && status !== 'completed' ? [] : [outputTextPart(text)],
  };
}

export function outputTextPart(text: string): Record<string, unknown> {
  return { type: 'output_text', annotations: [], logprobs: [], text };
}

export function reasoningItem(id: string, summary: string): OutputItem {
  return { id, type: 'reasoning', summary: summary === '' ? [] : [{ type: 'summary_text', text: summary }] };
}

export function functionCallItem(
  id: string,
  call: { id: string; name: string; arguments: string },
  status = 'completed',
): OutputItem {
  return { id, type: 'function_call', status, arguments: call.arguments, call_id: call.id, name: call.name };
}

/** The answer as Response output items, in the order the model produced them. */
export function outputItems(result: ChatResult): OutputItem[] {
  const items: OutputItem[] = [];
  let text = '';
  let reasoning = '';
  const flush = () => {
    if (reasoning !== '') items.push(reasoningItem(`rs_${hex()}`, reasoning));
    if (text !== '') items.push(messageItem(`msg_${hex()}`, text));
    reasoning = '';
    text = '';
  };
  for (const part of result.response.content) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'thinking') reasoning += part.text;
    else if (part.type === 'tool_call') {
      flush();
      items.push(functionCallItem(`fc_${hex()}`, part));
    }
  }
  flush();
  return items;
}

export function encodeResponsesResponse(
  result: ChatResult,
  req: ChatRequest,
  context: ResponseContext,
): Record<string, unknown> {
  const raw = result.raw;
  // Passed through with one change: the id is the gateway's, as the stored copy's is.
  if (raw?.dialect === 'openai-responses' && isObject(raw.body)) return { ...raw.body, id: context.id };
  const { status, incomplete } = statusOf(result.response.finishReason);
  return responseObject(req, context, result.response.model, outputItems(result), status, {
    usage: result.response.usage,
    incomplete,
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
