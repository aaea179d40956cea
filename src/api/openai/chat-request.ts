// POST /v1/chat/completions → IR. The schema checks every field the gateway reads and lets unknown
// fields through: they stay in the native body for same-dialect pass-through.
import { z } from 'zod';
import { GatehouseError } from '../../core/errors/index.ts';
import type {
  ChatRequest,
  ImagePart,
  Message,
  Part,
  TextPart,
  ToolChoice,
  ToolDefinition,
} from '../../core/ir/index.ts';
import { tagsRecord, tokenCount, validateBody } from '../validate.ts';

const text = z.string();
const textPart = z.looseObject({ type: z.literal('text'), text });
const imagePart = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.looseObject({ url: z.string().min(1), detail: z.enum(['auto', 'low', 'high']).optional() }),
});
const userPart = z.discriminatedUnion('type', [textPart, imagePart]);
const toolCall = z.looseObject({
  id: z.string().min(1),
  type: z.literal('function').optional(),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }),
});

const message = z.discriminatedUnion('role', [
  z.looseObject({ role: z.literal('system'), content: z.union([text, z.array(textPart)]) }),
  z.looseObject({ role: z.literal('developer'), content: z.union([text, z.array(textPart)]) }),
  z.looseObject({ role: z.literal('user'), content: z.union([text, z.array(userPart)]) }),
  z.looseObject({
    role: z.literal('assistant'),
    content: z
      .union([
        text,
        z.array(
          z.discriminatedUnion('type', [
            textPart,
            z.looseObject({ type: z.literal('refusal'), refusal: text }),
          ]),
        ),
        z.null(),
      ])
      .optional(),
    tool_calls: z.array(toolCall).optional(),
  }),
  z.looseObject({
    role: z.literal('tool'),
    tool_call_id: z.string().min(1),
    content: z.union([text, z.array(textPart)]),
  }),
]);

const toolName = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'tool names are 1–64 letters, digits, _ or -');
const tool = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: toolName,
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }),
});

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) }),
]);

const responseFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({
      name: z.string().min(1),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

const tokens = tokenCount();

const chatSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1, 'at least one message is required'),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: responseFormat.optional(),
  stop: z
    .union([z.string(), z.array(z.string()).max(4)])
    .nullable()
    .optional(),
  max_tokens: tokens.nullable().optional(),
  max_completion_tokens: tokens.nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  seed: z.number().int('expected a whole number').nullable().optional(),
  user: z.string().optional(),
  n: z.number().int().min(1).max(128).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  reasoning_effort: z.enum(['minimal', 'low', 'medium', 'high']).nullable().optional(),
  metadata: tagsRecord.nullable().optional(),
});

type ChatBody = z.output<typeof chatSchema>;
type UserContent = z.output<typeof userPart>;

export function decodeChatRequest(body: unknown): ChatRequest {
  const parsed = validateBody(chatSchema, body);
  const { system, messages } = decodeMessages(parsed.messages);
  const tools = parsed.tools?.map(decodeTool);
  const req: ChatRequest = {
    model: parsed.model,
    messages,
    stream: parsed.stream === true,
    includeUsage: parsed.stream_options?.include_usage === true,
    native: { dialect: 'openai', body: body as Record<string, unknown> },
  };
  if (system.length > 0) req.system = system;
  if (tools && tools.length > 0) req.tools = tools;
  if (parsed.tool_choice !== undefined) req.toolChoice = decodeToolChoice(parsed.tool_choice, tools ?? []);
  if (parsed.parallel_tool_calls !== undefined) req.parallelToolCalls = parsed.parallel_tool_calls;
  const maxTokens = parsed.max_completion_tokens ?? parsed.max_tokens;
  if (maxTokens != null) req.maxTokens = maxTokens;
  if (parsed.temperature != null) req.temperature = parsed.temperature;
  if (parsed.top_p != null) req.topP = parsed.top_p;
  if (parsed.seed != null) req.seed = parsed.seed;
  if (parsed.user !== undefined) req.user = parsed.user;
  if (parsed.n != null) req.n = parsed.n;
  if (parsed.stop != null) req.stop = typeof parsed.stop === 'string' ? [parsed.stop] : parsed.stop;
  if (parsed.reasoning_effort != null) req.reasoningEffort = parsed.reasoning_effort;
  if (parsed.metadata != null) req.metadata = parsed.metadata;
  if (parsed.response_format) req.responseFormat = decodeResponseFormat(parsed.response_format);
  return req;
}

function decodeMessages(list: ChatBody['messages']): { system: TextPart[]; messages: Message[] } {
  const system: TextPart[] = [];
  const messages: Message[] = [];
  const push = (role: Message['role'], parts: Part[]) => {
    const last = messages.at(-1);
    // Tool results travel inside a user turn; a user turn right after them joins it.
    if (role === 'user' && last?.role === 'user' && last.content.some((p) => p.type === 'tool_result'))
      last.content.push(...parts);
    else messages.push({ role, content: parts });
  };
  list.forEach((m, i) => {
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(...textParts(m.content));
        break;
      case 'user':
        push(
          'user',
          typeof m.content === 'string'
            ? [{ type: 'text', text: m.content }]
            : m.content.map((p, j) => userContent(p, `messages[${i}].content[${j}]`)),
        );
        break;
      case 'assistant': {
        const parts: Part[] = [];
        if (typeof m.content === 'string') {
          if (m.content !== '') parts.push({ type: 'text', text: m.content });
        } else if (Array.isArray(m.content)) {
          for (const p of m.content)
            parts.push({ type: 'text', text: p.type === 'text' ? p.text : p.refusal });
        }
        for (const call of m.tool_calls ?? []) {
          parts.push({
            type: 'tool_call',
            id: call.id,
            name: call.function.name,
            arguments: call.function.arguments || '{}',
          });
        }
        messages.push({ role: 'assistant', content: parts });
        break;
      }
      case 'tool': {
        const content = typeof m.content === 'string' ? m.content : m.content.map((p) => p.text).join('');
        const last = messages.at(-1);
        const part: Part = { type: 'tool_result', toolCallId: m.tool_call_id, content };
        if (last?.role === 'user' && last.content.every((p) => p.type === 'tool_result'))
          last.content.push(part);
        else messages.push({ role: 'user', content: [part] });
        break;
      }
    }
  });
  return { system, messages };
}

function textParts(content: string | Array<{ text: string }>): TextPart[] {
  return typeof content === 'string'
    ? [{ type: 'text', text: content }]
    : content.map((p) => ({ type: 'text', text: p.text }));
}

const dataUrl = /^data:([\w.+-]+\/[\w.+-]+);base64,(.*)$/s;

function userContent(part: UserContent, param: string): TextPart | ImagePart {
  if (part.type === 'text') return { type: 'text', text: part.text };
  const image = imageFromUrl(part.image_url.url, `${param}.image_url.url`);
  if (part.image_url.detail) image.detail = part.image_url.detail;
  return image;
}

/** An image URL as OpenAI's surfaces take it: http(s), or a base64 data URL. */
export function imageFromUrl(url: string, param: string): ImagePart {
  const match = dataUrl.exec(url);
  if (match) return { type: 'image', source: { kind: 'base64', mediaType: match[1]!, data: match[2]! } };
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { kind: 'url', url } };
  throw new GatehouseError('GH_INVALID_REQUEST', `${param}: expected an http(s) URL or a base64 data URL`, {
    param,
  });
}

function decodeTool(t: z.output<typeof tool>): ToolDefinition {
  const def: ToolDefinition = {
    name: t.function.name,
    parameters: t.function.parameters ?? { type: 'object', properties: {} },
  };
  if (t.function.description !== undefined) def.description = t.function.description;
  if (t.function.strict != null) def.strict = t.function.strict;
  return def;
}

function decodeToolChoice(choice: z.output<typeof toolChoice>, tools: ToolDefinition[]): ToolChoice {
  if (typeof choice === 'string') return { type: choice };
  if (!tools.some((t) => t.name === choice.function.name)) {
    throw new GatehouseError(
      'GH_INVALID_REQUEST',
      `tool_choice: names the tool "${choice.function.name}", which is not in tools`,
      {
        param: 'tool_choice',
      },
    );
  }
  return { type: 'tool', name: choice.function.name };
}

function decodeResponseFormat(
  format: z.output<typeof responseFormat>,
): NonNullable<ChatRequest['responseFormat']> {
  if (format.type !== 'json_schema') return { type: format.type };
  const out: NonNullable<ChatRequest['responseFormat']> = {
    type: 'json_schema',
    name: format.json_schema.name,
    schema: format.json_schema.schema ?? {},
  };
  if (format.json_schema.strict != null) out.strict = format.json_schema.strict;
  if (format.json_schema.description !== undefined) out.description = format.json_schema.description;
  return out;
}
