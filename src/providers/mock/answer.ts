// What the built-in mock provider answers, decided from the request alone so that every flow
// (plain text, tool calls, tool results) can be tried offline and repeated exactly.
import { estimateRequestTokens, estimateTokens } from '../../core/ir/estimate.ts';
import type { ChatRequest, ChatResponse, Message, ToolDefinition } from '../../core/ir/index.ts';

export function mockAnswer(req: ChatRequest, model: string, id: string): ChatResponse {
  const last = req.messages.at(-1);
  const results = last?.role === 'user' ? last.content.filter((p) => p.type === 'tool_result') : [];
  const tool = results.length === 0 && last?.role === 'user' ? chooseTool(req) : undefined;
  const content: ChatResponse['content'] = [];
  if (tool) {
    content.push({
      type: 'tool_call',
      id: `call_mock_${id.slice(-12)}`,
      name: tool.name,
      arguments: JSON.stringify(exampleArguments(tool)),
    });
  } else if (results.length > 0) {
    content.push({
      type: 'text',
      text: `Received ${results.length} tool result${results.length === 1 ? '' : 's'}.`,
    });
  } else {
    content.push({
      type: 'text',
      text: answerText(req, `Mock answer from Gatehouse to: ${quote(lastUserText(last))}`),
    });
  }
  const outputText = content
    .map((p) => (p.type === 'text' ? p.text : p.type === 'tool_call' ? p.arguments : ''))
    .join('');
  let outputTokens = estimateTokens(outputText);
  let finishReason: ChatResponse['finishReason'] = tool ? 'tool_calls' : 'stop';
  if (req.maxTokens !== undefined && outputTokens > req.maxTokens && !tool) {
    const first = content[0];
    if (first?.type === 'text') first.text = first.text.slice(0, req.maxTokens * 4);
    outputTokens = req.maxTokens;
    finishReason = 'length';
  }
  return {
    id,
    model,
    content,
    finishReason,
    usage: { inputTokens: estimateRequestTokens(req), outputTokens },
  };
}

function chooseTool(req: ChatRequest): ToolDefinition | undefined {
  const tools = req.tools ?? [];
  const choice = req.toolChoice ?? { type: 'auto' };
  if (tools.length === 0 || choice.type === 'none') return undefined;
  if (choice.type === 'tool') return tools.find((t) => t.name === choice.name);
  return tools[0];
}

/** JSON output is honoured: a JSON object, shaped by the schema when one is given. */
function answerText(req: ChatRequest, text: string): string {
  const format = req.responseFormat;
  if (format?.type === 'json_object') return JSON.stringify({ answer: text });
  if (format?.type === 'json_schema') return JSON.stringify(exampleObject(format.schema));
  return text;
}

/** What the mock cannot do, said in the x-gatehouse-warnings header like any provider's dropped features. */
export function mockWarnings(req: ChatRequest): string[] {
  return req.n !== undefined && req.n > 1
    ? [`n=${req.n} is not supported by the mock provider; one choice was returned.`]
    : [];
}

function exampleArguments(tool: ToolDefinition): Record<string, unknown> {
  return exampleObject(tool.parameters);
}

/** An object that satisfies a JSON Schema well enough for a demo: one value per required property. */
function exampleObject(schema: Record<string, unknown>): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, { type?: string; enum?: unknown[] }>;
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : Object.keys(properties);
  const args: Record<string, unknown> = {};
  for (const key of required) {
    const schema = properties[key] ?? {};
    if (schema.enum && schema.enum.length > 0) args[key] = schema.enum[0];
    else if (schema.type === 'number' || schema.type === 'integer') args[key] = 1;
    else if (schema.type === 'boolean') args[key] = true;
    else if (schema.type === 'array') args[key] = [];
    else if (schema.type === 'object') args[key] = {};
    else args[key] = 'example';
  }
  return args;
}

function lastUserText(message: Message | undefined): string {
  if (!message) return '';
  return message.content
    .map((p) => (p.type === 'text' ? p.text : ''))
    .join(' ')
    .trim();
}

function quote(text: string): string {
  return `"${text.length > 200 ? `${text.slice(0, 200)}…` : text}"`;
}
