// Responses API input items → IR messages. Function calls and their outputs are items of their own
// (in the IR they are parts of an assistant and a user turn); reasoning items are dropped on the way
// to another dialect (their summaries carry no signature a non-OpenAI model could check).
import { z } from 'zod';
import { GatehouseError } from '../../core/errors/index.ts';
import type { ImagePart, Message, Part, TextPart } from '../../core/ir/index.ts';
import { validateAt } from '../validate.ts';
import { imageFromUrl } from './chat-request.ts';

const inputText = z.looseObject({ type: z.literal('input_text'), text: z.string() });
const outputText = z.looseObject({ type: z.literal('output_text'), text: z.string() });
const refusal = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });
const inputImage = z.looseObject({
  type: z.literal('input_image'),
  image_url: z.string().min(1).nullable().optional(),
  file_id: z.string().nullable().optional(),
  detail: z.enum(['auto', 'low', 'high']).optional(),
});
const inputFile = z.looseObject({ type: z.literal('input_file') });
const contentPart = z.discriminatedUnion('type', [inputText, outputText, refusal, inputImage, inputFile]);

export const messageItem = z.looseObject({
  type: z.literal('message').optional(),
  id: z.string().optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(contentPart)]),
});
const functionCallItem = z.looseObject({
  type: z.literal('function_call'),
  id: z.string().optional(),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
});
const functionCallOutputItem = z.looseObject({
  type: z.literal('function_call_output'),
  id: z.string().optional(),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(z.discriminatedUnion('type', [inputText, inputImage, inputFile]))]),
});
/** Any other item (reasoning, built-in tool calls, item references): checked where it is used. */
const otherItem = z.looseObject({ type: z.string().min(1) });

export const inputItem = z.union([messageItem, functionCallItem, functionCallOutputItem, otherItem]);
export type InputItem = z.output<typeof inputItem>;

/** Item types only an OpenAI Responses upstream understands (it serves them passed through). */
const nativeItemTypes = new Set([
  'file_search_call',
  'web_search_call',
  'computer_call',
  'computer_call_output',
  'code_interpreter_call',
  'image_generation_call',
  'local_shell_call',
  'local_shell_call_output',
  'mcp_call',
  'mcp_list_tools',
  'mcp_approval_request',
  'mcp_approval_response',
  'custom_tool_call',
  'custom_tool_call_output',
]);

/** Reasons the items can only be served by an OpenAI Responses target (empty when any target will do). */
export function nativeOnlyItems(items: readonly InputItem[]): string[] {
  const reasons = new Set<string>();
  items.forEach((item, i) => {
    if (item.type !== undefined && nativeItemTypes.has(item.type)) reasons.add(`input[${i}]: ${item.type}`);
    const parts =
      'content' in item && Array.isArray(item.content)
        ? item.content
        : 'output' in item && Array.isArray(item.output)
          ? item.output
          : [];
    for (const part of parts as Array<{ type?: string; file_id?: unknown; image_url?: unknown }>) {
      if (part.type === 'input_file') reasons.add(`input[${i}]: input_file`);
      if (part.type === 'input_image' && !part.image_url) reasons.add(`input[${i}]: input_image by file_id`);
    }
  });
  return [...reasons];
}

export function itemsToMessages(items: readonly InputItem[]): { system: TextPart[]; messages: Message[] } {
  const system: TextPart[] = [];
  const messages: Message[] = [];
  const append = (role: Message['role'], part: Part) => {
    const last = messages.at(-1);
    if (last?.role === role) last.content.push(part);
    else messages.push({ role, content: [part] });
  };
  items.forEach((item, i) => {
    const at = `input[${i}]`;
    if (item.type === undefined || item.type === 'message') {
      const message = validateAt(messageItem, item, at);
      if (message.role === 'system' || message.role === 'developer') {
        system.push(...contentParts(message.content, at).filter((p): p is TextPart => p.type === 'text'));
        return;
      }
      for (const part of contentParts(message.content, at)) append(message.role, part);
      return;
    }
    if (item.type === 'function_call') {
      const call = validateAt(functionCallItem, item, at);
      append('assistant', {
        type: 'tool_call',
        id: call.call_id,
        name: call.name,
        arguments: call.arguments || '{}',
      });
      return;
    }
    if (item.type === 'function_call_output') {
      const result = validateAt(functionCallOutputItem, item, at);
      append('user', {
        type: 'tool_result',
        toolCallId: result.call_id,
        content:
          typeof result.output === 'string'
            ? result.output
            : contentParts(result.output, `${at}.output`).filter(
                (p): p is TextPart | ImagePart => p.type === 'text' || p.type === 'image',
              ),
      });
      return;
    }
    if (item.type === 'reasoning') return;
    if (item.type === 'item_reference')
      throw new GatehouseError('GH_INVALID_REQUEST', `${at}: an item_reference must name a stored item`, {
        param: at,
      });
    throw new GatehouseError(
      'GH_UNSUPPORTED_BY_PROVIDER',
      `${at}: items of type "${item.type}" are served only by an OpenAI Responses target`,
      { param: at },
    );
  });
  return { system, messages };
}

type ContentPart = z.output<typeof contentPart>;

function contentParts(content: string | ContentPart[], at: string): Part[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  return content.map((part, j): Part => {
    switch (part.type) {
      case 'input_text':
      case 'output_text':
        return { type: 'text', text: part.text };
      case 'refusal':
        return { type: 'text', text: part.refusal };
      case 'input_image':
        return imagePart(part, `${at}.content[${j}]`);
      default:
        throw new GatehouseError(
          'GH_UNSUPPORTED_BY_PROVIDER',
          `${at}.content[${j}]: ${part.type} is served only by an OpenAI Responses target`,
          { param: `${at}.content[${j}]` },
        );
    }
  });
}

function imagePart(part: z.output<typeof inputImage>, param: string): ImagePart {
  if (!part.image_url)
    throw new GatehouseError(
      'GH_UNSUPPORTED_BY_PROVIDER',
      `${param}: an image by file_id is served only by an OpenAI Responses target; send image_url`,
      { param },
    );
  const image = imageFromUrl(part.image_url, `${param}.image_url`);
  if (part.detail) image.detail = part.detail;
  return image;
}
