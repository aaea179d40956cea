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
  } else if (req.responseFormat?.type === 'json_schema') {
    // Structured output: a value that fits the schema, so clients that parse it can be tried offline.
    content.push({ type: 'text', text: JSON.stringify(exampleValue(req.responseFormat.schema)) });
  } else if (req.responseFormat?.type === 'json_object') {
    content.push({ type: 'text', text: JSON.stringify({ answer: lastUserText(last) }) });
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
  if (format?.type === 'json_schema')
    return JSON.stringify(exampleValue({ type: 'object', ...format.schema }));
  return text;
}

/** What the mock cannot do, said in the x-gatehouse-warnings header like any provider's dropped features. */
export function mockWarnings(req: ChatRequest): string[] {
  return req.n !== undefined && req.n > 1
    ? [`n=${req.n} is not supported by the mock provider; one choice was returned.`]
    : [];
}

function exampleArguments(tool: ToolDefinition): Record<string, unknown> {
  return exampleValue({ type: 'object', ...tool.parameters }) as Record<string, unknown>;
}

interface SchemaNode {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
}

/** A value of the JSON Schema's shape (objects get their required properties, nested). */
function exampleValue(schema: SchemaNode, depth = 0): unknown {
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'number' || type === 'integer') return 1;
  if (type === 'boolean') return true;
  if (type === 'array') return depth < 8 && schema.items ? [exampleValue(schema.items, depth + 1)] : [];
  if (type === 'object' || schema.properties) {
    const properties = schema.properties ?? {};
    const required = Array.isArray(schema.required) ? schema.required : Object.keys(properties);
    const value: Record<string, unknown> = {};
    for (const key of required) value[key] = depth < 8 ? exampleValue(properties[key] ?? {}, depth + 1) : {};
    return value;
  }
  return 'example';
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
