// POST /v1/responses → IR. Unknown fields pass the schema and stay in the native body, so that an
// OpenAI Responses target receives the caller's request as it came. Built-in tools (web search, file
// search, …) and the items they produce have no IR form: only an OpenAI Responses target serves them.
import { z } from 'zod';
import { GatehouseError } from '../../core/errors/index.ts';
import type { ChatRequest, ResponseFormat, ToolChoice, ToolDefinition } from '../../core/ir/index.ts';
import { validateAt, validateBody } from '../validate.ts';
import { inputItem, itemsToMessages, nativeOnlyItems, type InputItem } from './responses-items.ts';

const functionTool = z.looseObject({
  type: z.literal('function'),
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'tool names are 1–64 letters, digits, _ or -'),
  description: z.string().nullable().optional(),
  parameters: z.record(z.string(), z.unknown()).nullable().optional(),
  strict: z.boolean().nullable().optional(),
});
const builtInTool = z.looseObject({ type: z.string().min(1) });

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({ type: z.literal('function'), name: z.string().min(1) }),
  z.looseObject({ type: z.string().min(1) }),
]);

const format = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    name: z.string().min(1),
    schema: z.record(z.string(), z.unknown()),
    description: z.string().optional(),
    strict: z.boolean().nullable().optional(),
  }),
]);

const responsesSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(inputItem)]),
  instructions: z.string().nullable().optional(),
  previous_response_id: z.string().min(1).nullable().optional(),
  tools: z.array(z.union([functionTool, builtInTool])).optional(),
  tool_choice: toolChoice.optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  text: z.looseObject({ format: format.optional() }).nullable().optional(),
  reasoning: z
    .looseObject({
      effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']).nullable().optional(),
    })
    .nullable()
    .optional(),
  max_output_tokens: z.number().int().min(1).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  user: z.string().optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
  store: z.boolean().nullable().optional(),
  stream: z.boolean().nullable().optional(),
});

export type ResponsesBody = z.output<typeof responsesSchema>;

/** Checks a Responses request body; the 400 names the field in the caller's terms. */
export function parseResponsesBody(body: unknown): ResponsesBody {
  const parsed = validateBody(responsesSchema, body);
  // A malformed function tool would pass as a built-in one: check it for what it says it is.
  parsed.tools?.forEach((tool, i) => {
    if (tool.type === 'function') validateAt(functionTool, tool, `tools[${i}]`);
  });
  return parsed;
}

/** The input as a list of items: a string is one user message. */
export function inputItems(input: ResponsesBody['input']): InputItem[] {
  return typeof input === 'string' ? [{ type: 'message', role: 'user', content: input }] : input;
}

/**
 * What in the request only an OpenAI Responses target can serve (built-in tools, their items, files
 * by id); empty when any provider will do.
 */
export function nativeOnlyFeatures(body: ResponsesBody): string[] {
  const reasons = nativeOnlyItems(inputItems(body.input));
  for (const tool of body.tools ?? []) if (tool.type !== 'function') reasons.push(`tools: ${tool.type}`);
  const choice = body.tool_choice;
  if (typeof choice === 'object' && choice.type !== 'function') reasons.push(`tool_choice: ${choice.type}`);
  return reasons;
}

export function decodeResponsesRequest(body: unknown): ChatRequest {
  const parsed = parseResponsesBody(body);
  const { system, messages } = itemsToMessages(inputItems(parsed.input));
  if (messages.length === 0)
    throw new GatehouseError('GH_INVALID_REQUEST', 'input: at least one user message or item is required', {
      param: 'input',
    });
  const req: ChatRequest = {
    model: parsed.model,
    messages,
    stream: parsed.stream === true,
    // The Responses stream always ends with usage (in response.completed).
    includeUsage: true,
    native: { dialect: 'openai-responses', body: body as Record<string, unknown> },
  };
  if (parsed.instructions) system.unshift({ type: 'text', text: parsed.instructions });
  if (system.length > 0) req.system = system;
  const tools = (parsed.tools ?? []).flatMap((t) =>
    t.type === 'function' ? [decodeTool(t as z.output<typeof functionTool>)] : [],
  );
  if (tools.length > 0) req.tools = tools;
  if (parsed.tool_choice !== undefined) {
    const choice = decodeToolChoice(parsed.tool_choice, tools);
    if (choice) req.toolChoice = choice;
  }
  if (parsed.parallel_tool_calls != null) req.parallelToolCalls = parsed.parallel_tool_calls;
  if (parsed.max_output_tokens != null) req.maxTokens = parsed.max_output_tokens;
  if (parsed.temperature != null) req.temperature = parsed.temperature;
  if (parsed.top_p != null) req.topP = parsed.top_p;
  if (parsed.user !== undefined) req.user = parsed.user;
  if (parsed.metadata != null) req.metadata = parsed.metadata;
  const effort = parsed.reasoning?.effort;
  // `none` asks for no reasoning; `xhigh` is the most another dialect can be asked for.
  if (effort && effort !== 'none') req.reasoningEffort = effort === 'xhigh' ? 'high' : effort;
  const wanted = parsed.text?.format;
  if (wanted && wanted.type !== 'text') req.responseFormat = decodeFormat(wanted);
  return req;
}

function decodeTool(t: z.output<typeof functionTool>): ToolDefinition {
  const def: ToolDefinition = {
    name: t.name,
    parameters: t.parameters ?? { type: 'object', properties: {} },
  };
  if (t.description != null) def.description = t.description;
  if (t.strict != null) def.strict = t.strict;
  return def;
}

function decodeToolChoice(
  choice: z.output<typeof toolChoice>,
  tools: ToolDefinition[],
): ToolChoice | undefined {
  if (typeof choice === 'string') return { type: choice };
  if (choice.type !== 'function') return undefined; // a built-in tool: passed through, never translated
  const name = (choice as { name: string }).name;
  if (!tools.some((t) => t.name === name))
    throw new GatehouseError(
      'GH_INVALID_REQUEST',
      `tool_choice: names the tool "${name}", which is not in tools`,
      {
        param: 'tool_choice',
      },
    );
  return { type: 'tool', name };
}

function decodeFormat(wanted: z.output<typeof format>): ResponseFormat {
  if (wanted.type !== 'json_schema') return { type: 'json_object' };
  const out: ResponseFormat = { type: 'json_schema', name: wanted.name, schema: wanted.schema };
  if (wanted.strict != null) out.strict = wanted.strict;
  if (wanted.description !== undefined) out.description = wanted.description;
  return out;
}
