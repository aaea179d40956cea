// The body sent to /v1/messages: the client's own body when it spoke Anthropic (pass-through),
// otherwise encoded from the IR. Settings Anthropic cannot honour become warnings.
import { GatehouseError } from '../../core/errors/index.ts';
import type { ChatRequest, ResponseFormat, ToolChoice } from '../../core/ir/index.ts';
import { cacheControl, encodeAnthropicMessages, encodeText } from './messages.ts';
import type { AnthropicRequestBody, AnthropicTextBlock, AnthropicToolChoice } from './wire.ts';

/** Anthropic requires `max_tokens`; this is used when the client did not say. */
export const defaultMaxTokens = 4096;

export interface EncodedRequest {
  body: Record<string, unknown>;
  warnings: string[];
}

export function anthropicRequestBody(req: ChatRequest, model: string, stream: boolean): EncodedRequest {
  if (req.native?.dialect === 'anthropic') {
    // Same dialect: only the model and the stream flag change; every other field (cache_control,
    // metadata, service_tier, betas' fields, ones added after this was written) goes as it came.
    return { body: withStream({ ...req.native.body, model }, stream), warnings: [] };
  }
  const { body, warnings } = encodeAnthropicRequest(req, model);
  return { body: withStream({ ...body }, stream), warnings };
}

/** IR → Anthropic Messages request (without `stream`). */
export function encodeAnthropicRequest(
  req: ChatRequest,
  model: string,
): { body: AnthropicRequestBody; warnings: string[] } {
  const warnings: string[] = [];
  if (req.n !== undefined && req.n > 1) {
    throw new GatehouseError(
      'GH_UNSUPPORTED_BY_PROVIDER',
      'Anthropic returns one choice per request; n must be 1.',
      {
        param: 'n',
      },
    );
  }
  const budget = req.thinking?.type === 'enabled' ? req.thinking.budgetTokens : undefined;
  const body: AnthropicRequestBody = {
    model,
    // With thinking on, max_tokens must exceed the thinking budget, so the default leaves room for the answer.
    max_tokens:
      req.maxTokens ??
      (budget !== undefined && budget >= defaultMaxTokens ? budget + defaultMaxTokens : defaultMaxTokens),
    messages: encodeAnthropicMessages(req.messages, warnings),
  };
  const system = encodeSystem(req, warnings);
  if (system.length > 0) body.system = system;
  if (req.tools && req.tools.length > 0) {
    body.tools = req.tools.map((tool) => ({
      name: tool.name,
      ...(tool.description !== undefined ? { description: tool.description } : {}),
      input_schema: tool.parameters,
      ...cacheControl(tool.cacheControl),
    }));
    if (req.tools.some((tool) => tool.strict)) {
      warnings.push(
        'Strict tool schemas are not enforced by Anthropic; the schemas were sent as plain input_schema.',
      );
    }
    const choice = encodeToolChoice(req.toolChoice, req.parallelToolCalls);
    if (choice) body.tool_choice = choice;
  }
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.topK !== undefined) body.top_k = req.topK;
  if (req.stop && req.stop.length > 0) body.stop_sequences = req.stop;
  if (req.thinking) {
    body.thinking =
      req.thinking.type === 'enabled'
        ? { type: 'enabled', budget_tokens: req.thinking.budgetTokens }
        : { type: 'disabled' };
  }
  if (req.user !== undefined) body.metadata = { user_id: req.user };
  if (req.seed !== undefined) warnings.push('seed is not supported by Anthropic and was ignored.');
  if (req.reasoningEffort !== undefined) {
    warnings.push(
      'reasoning_effort is not supported by Anthropic and was ignored; use a thinking budget instead.',
    );
  }
  if (req.metadata && Object.keys(req.metadata).length > 0) {
    warnings.push(
      'metadata is not supported by Anthropic and was ignored (user is sent as metadata.user_id).',
    );
  }
  return { body, warnings };
}

/** The count_tokens body: the same request minus the generation settings that endpoint refuses. */
export function anthropicCountTokensBody(req: ChatRequest, model: string): Record<string, unknown> {
  const source: Record<string, unknown> =
    req.native?.dialect === 'anthropic'
      ? { ...req.native.body }
      : { ...encodeAnthropicRequest(req, model).body };
  for (const field of fieldsCountTokensRefuses) delete source[field];
  source.model = model;
  return source;
}

const fieldsCountTokensRefuses = [
  'max_tokens',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'stop_sequences',
  'metadata',
  'service_tier',
  'container',
  'inference_geo',
  'diagnostics',
];

function withStream(body: Record<string, unknown>, stream: boolean): Record<string, unknown> {
  if (stream) body.stream = true;
  else delete body.stream;
  return body;
}

function encodeSystem(req: ChatRequest, warnings: string[]): AnthropicTextBlock[] {
  const blocks = (req.system ?? []).filter((part) => part.text !== '').map(encodeText);
  const instruction = jsonInstruction(req.responseFormat);
  if (instruction) {
    // Appended last so that a cached system prefix stays byte-identical.
    blocks.push({ type: 'text', text: instruction });
    warnings.push(
      'response_format is not supported natively by Anthropic; JSON output was requested by a system instruction and is not guaranteed.',
    );
  }
  return blocks;
}

function jsonInstruction(format: ResponseFormat | undefined): string | undefined {
  if (!format || format.type === 'text') return undefined;
  const only = 'Reply with a single valid JSON value and nothing else: no prose, no Markdown code fences.';
  if (format.type === 'json_object') return `${only} The value must be a JSON object.`;
  const about = format.description ? ` (${format.description})` : '';
  return `${only} It must conform to this JSON Schema, named "${format.name}"${about}:\n${JSON.stringify(format.schema)}`;
}

function encodeToolChoice(
  choice: ToolChoice | undefined,
  parallel: boolean | undefined,
): AnthropicToolChoice | undefined {
  // Anthropic's only parallel-calls switch lives on tool_choice, so an absent choice becomes `auto` when needed.
  const type = choice?.type ?? (parallel === false ? 'auto' : undefined);
  if (type === undefined) return undefined;
  if (type === 'none') return { type: 'none' };
  const disable = parallel === undefined ? {} : { disable_parallel_tool_use: !parallel };
  if (choice?.type === 'tool') return { type: 'tool', name: choice.name, ...disable };
  return { type: type === 'required' ? 'any' : 'auto', ...disable };
}
