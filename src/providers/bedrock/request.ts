// IR → a Converse / ConverseStream request body (the same body for both; the URL decides).
import { GatehouseError } from '../../core/errors/index.ts';
import type { ChatRequest, ImagePart, Message, Part } from '../../core/ir/index.ts';

type Block = Record<string, unknown>;

const imageFormats: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

export function converseRequest(req: ChatRequest): { body: Record<string, unknown>; warnings: string[] } {
  const warnings: string[] = [];
  if ((req.n ?? 1) > 1) {
    throw new GatehouseError('GH_UNSUPPORTED_BY_PROVIDER', 'n: Bedrock returns one choice per request.', {
      param: 'n',
    });
  }
  const system: Block[] = [];
  for (const part of req.system ?? []) {
    system.push({ text: part.text });
    if (part.cacheControl) system.push({ cachePoint: { type: 'default' } });
  }
  if (req.responseFormat && req.responseFormat.type !== 'text') {
    const schema =
      req.responseFormat.type === 'json_schema'
        ? ` matching this JSON Schema: ${JSON.stringify(req.responseFormat.schema)}`
        : '';
    system.push({ text: `Respond only with a JSON object${schema}.` });
    warnings.push(
      'response_format: Bedrock has no structured output mode; a system instruction asks for JSON',
    );
  }
  const messages = mergeTurns(req.messages).map((m, i) => ({
    role: m.role,
    content: m.content.flatMap((p, j) => block(p, `messages[${i}].content[${j}]`)),
  }));
  const body: Record<string, unknown> = { messages };
  if (system.length > 0) body.system = system;

  const inference: Record<string, unknown> = {};
  if (req.maxTokens !== undefined) inference.maxTokens = req.maxTokens;
  if (req.temperature !== undefined) inference.temperature = req.temperature;
  if (req.topP !== undefined) inference.topP = req.topP;
  if (req.stop && req.stop.length > 0) inference.stopSequences = req.stop;
  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;

  const additional: Record<string, unknown> = {};
  if (req.topK !== undefined) additional.top_k = req.topK;
  if (req.thinking?.type === 'enabled')
    additional.thinking = { type: 'enabled', budget_tokens: req.thinking.budgetTokens };
  if (Object.keys(additional).length > 0) body.additionalModelRequestFields = additional;

  const toolConfig = tools(req, warnings);
  if (toolConfig) body.toolConfig = toolConfig;
  if (req.seed !== undefined) warnings.push('seed: not supported by Bedrock Converse; ignored');
  if (req.parallelToolCalls === false)
    warnings.push('parallel_tool_calls: Bedrock cannot turn parallel tool calls off; ignored');
  if (req.metadata) warnings.push('metadata: not sent to Bedrock');
  return { body, warnings };
}

function tools(req: ChatRequest, warnings: string[]): Record<string, unknown> | undefined {
  if (!req.tools || req.tools.length === 0) return undefined;
  const specs = req.tools.map((t) => ({
    toolSpec: {
      name: t.name,
      ...(t.description ? { description: t.description } : {}),
      inputSchema: { json: t.parameters },
    },
  }));
  const choice = req.toolChoice ?? { type: 'auto' };
  if (choice.type === 'none') {
    // Bedrock has no "none": leaving the tools out forbids them, but a history with tool blocks needs them declared.
    const history = req.messages.some((m) =>
      m.content.some((p) => p.type === 'tool_call' || p.type === 'tool_result'),
    );
    if (!history) return undefined;
    warnings.push(
      'tool_choice none: Bedrock needs the tools declared for this conversation; the model may still call one',
    );
    return { tools: specs, toolChoice: { auto: {} } };
  }
  const toolChoice =
    choice.type === 'auto'
      ? { auto: {} }
      : choice.type === 'required'
        ? { any: {} }
        : { tool: { name: choice.name } };
  return { tools: specs, toolChoice };
}

/** Converse needs alternating turns; consecutive turns of one role become one. */
function mergeTurns(messages: Message[]): Message[] {
  const merged: Message[] = [];
  for (const m of messages) {
    const last = merged.at(-1);
    if (last && last.role === m.role) last.content = [...last.content, ...m.content];
    else merged.push({ role: m.role, content: [...m.content] });
  }
  return merged;
}

function block(part: Part, param: string): Block[] {
  switch (part.type) {
    case 'text':
      return part.text === ''
        ? []
        : part.cacheControl
          ? [{ text: part.text }, { cachePoint: { type: 'default' } }]
          : [{ text: part.text }];
    case 'image':
      return [image(part, param)];
    case 'tool_call':
      return [
        { toolUse: { toolUseId: part.id, name: part.name, input: parseArguments(part.arguments, param) } },
      ];
    case 'tool_result': {
      const content =
        typeof part.content === 'string'
          ? [resultContent(part.content)]
          : part.content.map((c, k) =>
              c.type === 'text' ? resultContent(c.text) : image(c, `${param}.content[${k}]`),
            );
      return [
        { toolResult: { toolUseId: part.toolCallId, content, status: part.isError ? 'error' : 'success' } },
      ];
    }
    case 'thinking':
      // Bedrock only accepts reasoning it signed itself; unsigned reasoning from elsewhere is left out.
      return part.signature
        ? [{ reasoningContent: { reasoningText: { text: part.text, signature: part.signature } } }]
        : [];
    case 'redacted_thinking':
      return [{ reasoningContent: { redactedContent: part.data } }];
  }
}

function resultContent(text: string): Block {
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return { json: value };
  } catch {
    // plain text
  }
  return { text };
}

function image(part: ImagePart, param: string): Block {
  if (part.source.kind !== 'base64') {
    throw new GatehouseError(
      'GH_UNSUPPORTED_BY_PROVIDER',
      `${param}: Bedrock takes images as base64 data, not URLs; send the image inline.`,
      { param },
    );
  }
  const format = imageFormats[part.source.mediaType.toLowerCase()];
  if (!format)
    throw new GatehouseError(
      'GH_UNSUPPORTED_BY_PROVIDER',
      `${param}: Bedrock takes png, jpeg, gif or webp images.`,
      { param },
    );
  return { image: { format, source: { bytes: part.source.data } } };
}

function parseArguments(text: string, param: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new GatehouseError('GH_INVALID_REQUEST', `${param}: tool call arguments are not valid JSON`, {
      param,
    });
  }
}
