// IR conversation → OpenAI chat messages. The IR keeps tool results inside user messages (Anthropic's
// shape); OpenAI wants one `tool` message per result, straight after the assistant turn that asked.
// Thinking is Anthropic's and has no Chat Completions field, so it is dropped: the model that reads
// this conversation never produced it. Cache hints are dropped too: OpenAI caches prefixes by itself.
import type { ImagePart, Message, Part, TextPart, ToolResultPart } from '../../core/ir/index.ts';
import type { OpenAIContentPart, OpenAIMessageParam, OpenAIToolCall } from './wire.ts';

export function encodeOpenAISystem(system: TextPart[] | undefined): OpenAIMessageParam[] {
  const texts = (system ?? []).map((part) => part.text).filter((text) => text !== '');
  return texts.length > 0 ? [{ role: 'system', content: texts.join('\n\n') }] : [];
}

export function encodeOpenAIMessages(messages: Message[], warnings: string[]): OpenAIMessageParam[] {
  const out: OpenAIMessageParam[] = [];
  for (const [i, message] of messages.entries()) {
    if (message.role === 'assistant') {
      const encoded = encodeAssistant(message.content, i, warnings);
      if (encoded) out.push(encoded);
      continue;
    }
    const results = message.content.filter((part): part is ToolResultPart => part.type === 'tool_result');
    for (const result of results) out.push(encodeToolResult(result, warnings));
    const rest = message.content.filter((part) => part.type !== 'tool_result');
    const user = encodeUser(rest, i, warnings);
    if (user) out.push(user);
  }
  return out;
}

function encodeAssistant(parts: Part[], i: number, warnings: string[]): OpenAIMessageParam | undefined {
  const texts: string[] = [];
  const toolCalls: OpenAIToolCall[] = [];
  for (const part of parts) {
    if (part.type === 'text') texts.push(part.text);
    else if (part.type === 'tool_call') {
      toolCalls.push({
        id: part.id,
        type: 'function',
        function: { name: part.name, arguments: part.arguments === '' ? '{}' : part.arguments },
      });
    } else if (part.type === 'image' || part.type === 'tool_result') {
      warnings.push(`messages[${i}]: an assistant ${part.type} has no OpenAI equivalent and was dropped.`);
    }
  }
  const text = texts.join('');
  // An assistant turn that held only thinking has nothing OpenAI can carry.
  if (text === '' && toolCalls.length === 0) return undefined;
  return {
    role: 'assistant',
    content: text === '' ? null : text,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
  };
}

function encodeUser(parts: Part[], i: number, warnings: string[]): OpenAIMessageParam | undefined {
  const content: OpenAIContentPart[] = [];
  for (const part of parts) {
    if (part.type === 'text') content.push({ type: 'text', text: part.text });
    else if (part.type === 'image') content.push(encodeImage(part));
    else if (part.type === 'tool_call') {
      warnings.push(
        `messages[${i}]: a tool call in a user message has no OpenAI equivalent and was dropped.`,
      );
    }
  }
  if (content.length === 0) return undefined;
  if (content.every((part) => part.type === 'text')) {
    return { role: 'user', content: content.map((part) => part.text).join('\n') };
  }
  return { role: 'user', content };
}

function encodeImage(part: ImagePart): OpenAIContentPart {
  const url =
    part.source.kind === 'url' ? part.source.url : `data:${part.source.mediaType};base64,${part.source.data}`;
  return { type: 'image_url', image_url: { url, ...(part.detail ? { detail: part.detail } : {}) } };
}

/**
 * A tool message's content is text only. `is_error` has no field either; the result's own text is
 * what tells the model that the call failed.
 */
function encodeToolResult(result: ToolResultPart, warnings: string[]): OpenAIMessageParam {
  if (typeof result.content === 'string') {
    return { role: 'tool', tool_call_id: result.toolCallId, content: result.content };
  }
  const texts: string[] = [];
  for (const part of result.content) {
    if (part.type === 'text') texts.push(part.text);
    else {
      warnings.push(
        `An image in the result of tool call ${result.toolCallId} was dropped: OpenAI tool results are text only.`,
      );
    }
  }
  return { role: 'tool', tool_call_id: result.toolCallId, content: texts.join('\n') };
}
