// POST /v1/messages (and count_tokens) → IR. Unknown fields pass the schema and stay in the native
// body, so Anthropic upstreams receive them untouched.
import { z } from 'zod';
import { GatehouseError } from '../../core/errors/index.ts';
import type {
  CacheControl,
  ChatRequest,
  ImagePart,
  Message,
  Part,
  TextPart,
  ToolChoice,
  ToolDefinition,
} from '../../core/ir/index.ts';
import { tagLimits } from '../../core/ir/index.ts';
import { boundedKeys, tagsExpected, tokenCount, validateBody } from '../validate.ts';

const cacheControl = z
  .looseObject({ type: z.literal('ephemeral'), ttl: z.enum(['5m', '1h']).optional() })
  .nullable()
  .optional();
const textBlock = z.looseObject({ type: z.literal('text'), text: z.string(), cache_control: cacheControl });
const imageBlock = z.looseObject({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('base64'), media_type: z.string().min(1), data: z.string() }),
    z.looseObject({ type: z.literal('url'), url: z.string().min(1) }),
  ]),
  cache_control: cacheControl,
});
const toolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  cache_control: cacheControl,
});
const toolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textBlock, imageBlock]))]).optional(),
  is_error: z.boolean().optional(),
  cache_control: cacheControl,
});
const thinkingBlock = z.looseObject({
  type: z.literal('thinking'),
  thinking: z.string(),
  signature: z.string().optional(),
});
const redactedThinkingBlock = z.looseObject({ type: z.literal('redacted_thinking'), data: z.string() });
const block = z.discriminatedUnion('type', [
  textBlock,
  imageBlock,
  toolUseBlock,
  toolResultBlock,
  thinkingBlock,
  redactedThinkingBlock,
]);

const message = z.looseObject({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(block)]),
});

const tool = z.looseObject({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,128}$/, 'tool names are 1–128 letters, digits, _ or -'),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()),
  cache_control: cacheControl,
});

const toolChoice = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal('none') }),
  z.looseObject({
    type: z.literal('tool'),
    name: z.string().min(1),
    disable_parallel_tool_use: z.boolean().optional(),
  }),
]);

const fields = {
  model: z.string().min(1),
  messages: z.array(message).min(1, 'at least one message is required'),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  metadata: z
    .looseObject({
      user_id: z
        .string()
        .max(tagLimits.valueChars, `at most ${tagLimits.valueChars} characters`)
        .nullable()
        .optional(),
    })
    .refine(boundedKeys, tagsExpected)
    .optional(),
  thinking: z
    .discriminatedUnion('type', [
      z.looseObject({ type: z.literal('enabled'), budget_tokens: tokenCount(1024) }),
      z.looseObject({ type: z.literal('disabled') }),
    ])
    .optional(),
  stream: z.boolean().optional(),
};

const messagesSchema = z.looseObject({ ...fields, max_tokens: tokenCount() });
const countTokensSchema = z.looseObject(fields);

export function decodeMessagesRequest(body: unknown): ChatRequest {
  const parsed = validateBody(messagesSchema, body);
  const req = toChatRequest(parsed, body);
  req.maxTokens = parsed.max_tokens;
  req.stream = parsed.stream === true;
  return req;
}

/** count_tokens takes the same body without max_tokens; nothing is generated. */
export function decodeCountTokensRequest(body: unknown): ChatRequest {
  return toChatRequest(validateBody(countTokensSchema, body), body);
}

function toChatRequest(parsed: z.output<typeof countTokensSchema>, body: unknown): ChatRequest {
  const tools = parsed.tools?.map(decodeTool);
  const req: ChatRequest = {
    model: parsed.model,
    messages: parsed.messages.map(decodeMessage),
    stream: false,
    includeUsage: true,
    native: { dialect: 'anthropic', body: body as Record<string, unknown> },
  };
  if (parsed.system !== undefined) {
    req.system =
      typeof parsed.system === 'string'
        ? [{ type: 'text', text: parsed.system }]
        : parsed.system.map(decodeText);
  }
  if (tools && tools.length > 0) req.tools = tools;
  if (parsed.tool_choice) {
    const choice = parsed.tool_choice;
    req.toolChoice = decodeToolChoice(choice, tools ?? []);
    if ('disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use === true)
      req.parallelToolCalls = false;
  }
  if (parsed.stop_sequences && parsed.stop_sequences.length > 0) req.stop = parsed.stop_sequences;
  if (parsed.temperature !== undefined) req.temperature = parsed.temperature;
  if (parsed.top_p !== undefined) req.topP = parsed.top_p;
  if (parsed.top_k !== undefined) req.topK = parsed.top_k;
  if (parsed.metadata?.user_id) req.user = parsed.metadata.user_id;
  if (parsed.thinking) {
    req.thinking =
      parsed.thinking.type === 'enabled'
        ? { type: 'enabled', budgetTokens: parsed.thinking.budget_tokens }
        : { type: 'disabled' };
  }
  return req;
}

function withCache<T extends { cacheControl?: CacheControl }>(
  part: T,
  cache: z.output<typeof cacheControl>,
): T {
  if (cache) part.cacheControl = cache.ttl ? { type: 'ephemeral', ttl: cache.ttl } : { type: 'ephemeral' };
  return part;
}

function decodeText(b: z.output<typeof textBlock>): TextPart {
  return withCache<TextPart>({ type: 'text', text: b.text }, b.cache_control);
}

function decodeImage(b: z.output<typeof imageBlock>): ImagePart {
  const source: ImagePart['source'] =
    b.source.type === 'base64'
      ? { kind: 'base64', mediaType: b.source.media_type, data: b.source.data }
      : { kind: 'url', url: b.source.url };
  return withCache<ImagePart>({ type: 'image', source }, b.cache_control);
}

function decodeMessage(m: z.output<typeof message>): Message {
  if (typeof m.content === 'string') return { role: m.role, content: [{ type: 'text', text: m.content }] };
  return { role: m.role, content: m.content.map(decodeBlock) };
}

function decodeBlock(b: z.output<typeof block>): Part {
  switch (b.type) {
    case 'text':
      return decodeText(b);
    case 'image':
      return decodeImage(b);
    case 'tool_use':
      return { type: 'tool_call', id: b.id, name: b.name, arguments: JSON.stringify(b.input) };
    case 'tool_result': {
      const result: Part = {
        type: 'tool_result',
        toolCallId: b.tool_use_id,
        content:
          typeof b.content === 'string' || b.content === undefined
            ? (b.content ?? '')
            : b.content.map((c) => (c.type === 'text' ? decodeText(c) : decodeImage(c))),
      };
      if (b.is_error !== undefined) result.isError = b.is_error;
      return withCache(result, b.cache_control);
    }
    case 'thinking':
      return b.signature === undefined
        ? { type: 'thinking', text: b.thinking }
        : { type: 'thinking', text: b.thinking, signature: b.signature };
    case 'redacted_thinking':
      return { type: 'redacted_thinking', data: b.data };
  }
}

function decodeTool(t: z.output<typeof tool>): ToolDefinition {
  const def: ToolDefinition = { name: t.name, parameters: t.input_schema };
  if (t.description !== undefined) def.description = t.description;
  return withCache(def, t.cache_control);
}

function decodeToolChoice(choice: z.output<typeof toolChoice>, tools: ToolDefinition[]): ToolChoice {
  switch (choice.type) {
    case 'auto':
    case 'none':
      return { type: choice.type };
    case 'any':
      return { type: 'required' };
    case 'tool':
      if (!tools.some((t) => t.name === choice.name)) {
        throw new GatehouseError('GH_INVALID_REQUEST', `tool_choice.name: "${choice.name}" is not in tools`, {
          param: 'tool_choice.name',
        });
      }
      return { type: 'tool', name: choice.name };
  }
}
