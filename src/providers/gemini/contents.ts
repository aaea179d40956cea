// IR messages → Gemini `contents`. Gemini names the model's role `model`, takes tool-call arguments as
// an object, answers calls with `functionResponse` parts (by function name, since it issues no call
// ids) in a user turn, and has no inline thinking blocks to send back: earlier thinking is dropped.
import { GatehouseError } from '../../core/errors/index.ts';
import type { ImagePart, Message, Part, ToolResultPart } from '../../core/ir/index.ts';
import type { GeminiContent, GeminiPart } from './wire.ts';

export function encodeGeminiContents(messages: Message[], warnings: string[]): GeminiContent[] {
  const callNames = toolCallNames(messages);
  const contents: GeminiContent[] = [];
  let cacheHints = false;
  messages.forEach((message, m) => {
    const parts: GeminiPart[] = [];
    message.content.forEach((part, p) => {
      if ('cacheControl' in part && part.cacheControl) cacheHints = true;
      parts.push(...encodePart(part, callNames, `messages[${m}].content[${p}]`));
    });
    if (parts.length === 0) return;
    const role = message.role === 'assistant' ? 'model' : 'user';
    const previous = contents.at(-1);
    if (previous?.role === role) previous.parts.push(...parts);
    else contents.push({ role, parts });
  });
  if (contents[0]?.role === 'model') {
    throw new GatehouseError(
      'GH_UNSUPPORTED_BY_PROVIDER',
      'Gemini needs the conversation to start with a user message, not an assistant one.',
      { param: 'messages[0]' },
    );
  }
  if (cacheHints) {
    warnings.push(
      'cache_control hints are not supported by Gemini (it caches prompt prefixes implicitly) and were ignored.',
    );
  }
  return contents;
}

/** Tool-call id → function name, so that results that do not repeat the name can still be answered. */
function toolCallNames(messages: Message[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const message of messages) {
    for (const part of message.content) if (part.type === 'tool_call') names.set(part.id, part.name);
  }
  return names;
}

function encodePart(part: Part, callNames: Map<string, string>, param: string): GeminiPart[] {
  switch (part.type) {
    case 'text':
      // Gemini refuses empty text parts; OpenAI clients send `content: ""` beside tool calls.
      return part.text === '' ? [] : [{ text: part.text }];
    case 'image':
      return [{ inlineData: encodeImage(part, param) }];
    case 'tool_call': {
      const encoded: GeminiPart = {
        functionCall: { name: part.name, args: parseArguments(part.arguments, param) },
      };
      if (part.signature) encoded.thoughtSignature = part.signature;
      return [encoded];
    }
    case 'tool_result':
      return encodeToolResult(part, callNames, param);
    case 'thinking':
    case 'redacted_thinking':
      // Gemini keeps its reasoning to itself between turns; only signatures on calls travel back.
      return [];
  }
}

function encodeToolResult(part: ToolResultPart, callNames: Map<string, string>, param: string): GeminiPart[] {
  const name = part.name ?? callNames.get(part.toolCallId);
  if (!name) {
    throw new GatehouseError(
      'GH_UNSUPPORTED_BY_PROVIDER',
      `Gemini needs the function name of every tool result; tool call "${part.toolCallId}" is not in the conversation, so it cannot be looked up.`,
      { param },
    );
  }
  const blocks =
    typeof part.content === 'string' ? [{ type: 'text' as const, text: part.content }] : part.content;
  const text = blocks.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('\n');
  const parts: GeminiPart[] = [
    { functionResponse: { name, response: functionResponseBody(text, part.isError) } },
  ];
  // A function response holds JSON only; images the tool returned follow it in the same turn.
  blocks.forEach((block, b) => {
    if (block.type === 'image') parts.push({ inlineData: encodeImage(block, `${param}.content[${b}]`) });
  });
  return parts;
}

/** `functionResponse.response` must be an object: a JSON-object result is sent as is, anything else wrapped. */
export function functionResponseBody(text: string, isError: boolean | undefined): Record<string, unknown> {
  const parsed = parseObject(text);
  if (isError) return { error: parsed ?? text };
  return parsed ?? { result: text };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function parseArguments(text: string, param: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  const parsed = parseObject(text);
  if (parsed) return parsed;
  throw new GatehouseError(
    'GH_UNSUPPORTED_BY_PROVIDER',
    'Gemini takes tool-call arguments as a JSON object; these arguments are not one.',
    { param: `${param}.arguments` },
  );
}

const dataUrl = /^data:([^;,]+);base64,(.*)$/s;

function encodeImage(part: ImagePart, param: string): { mimeType: string; data: string } {
  if (part.source.kind === 'base64') return { mimeType: part.source.mediaType, data: part.source.data };
  // A data: URL is inline bytes already; anything else would need fetching, which the gateway never does.
  const inline = dataUrl.exec(part.source.url);
  if (inline) return { mimeType: inline[1]!, data: inline[2]! };
  throw new GatehouseError(
    'GH_UNSUPPORTED_BY_PROVIDER',
    'Gemini does not take image URLs through this gateway; send the image as base64 data.',
    { param: `${param}.source` },
  );
}
