// IR messages → Anthropic `messages`. Anthropic insists on alternating user/assistant turns with
// non-empty content, takes tool-call arguments as an object, and wants the tool results that answer
// an assistant turn at the start of the next user message.
import { GatehouseError } from '../../core/errors/index.ts';
import type { CacheControl, ImagePart, Message, Part, TextPart } from '../../core/ir/index.ts';
import type {
  AnthropicCacheControl,
  AnthropicContentBlock,
  AnthropicImageBlock,
  AnthropicMessageParam,
  AnthropicTextBlock,
} from './wire.ts';

export function encodeAnthropicMessages(messages: Message[], warnings: string[]): AnthropicMessageParam[] {
  const encoded: AnthropicMessageParam[] = [];
  let droppedThinking = 0;
  messages.forEach((message, m) => {
    const blocks: AnthropicContentBlock[] = [];
    message.content.forEach((part, p) => {
      if (part.type === 'thinking' && !part.signature) {
        droppedThinking++;
        return;
      }
      const block = encodePart(part, `messages[${m}].content[${p}]`);
      if (block) blocks.push(block);
    });
    if (blocks.length === 0) return;
    const previous = encoded.at(-1);
    if (previous?.role === message.role) previous.content.push(...blocks);
    else encoded.push({ role: message.role, content: blocks });
  });
  if (droppedThinking > 0) {
    // Anthropic verifies thinking by its signature; unsigned thinking (from another provider) is refused.
    warnings.push(
      `${droppedThinking} thinking block(s) without an Anthropic signature were not sent to the provider.`,
    );
  }
  for (const message of encoded) {
    if (message.role === 'user') message.content = toolResultsFirst(message.content);
  }
  return encoded;
}

function encodePart(part: Part, param: string): AnthropicContentBlock | undefined {
  switch (part.type) {
    case 'text':
      // Anthropic refuses empty text blocks; OpenAI clients send `content: ""` beside tool calls.
      return part.text === '' ? undefined : encodeText(part);
    case 'image':
      return encodeImage(part, param);
    case 'tool_call':
      return { type: 'tool_use', id: part.id, name: part.name, input: parseArguments(part.arguments, param) };
    case 'tool_result':
      return {
        type: 'tool_result',
        tool_use_id: part.toolCallId,
        content:
          typeof part.content === 'string'
            ? part.content
            : part.content.map((item, i) =>
                item.type === 'text' ? encodeText(item) : encodeImage(item, `${param}.content[${i}]`),
              ),
        ...(part.isError !== undefined ? { is_error: part.isError } : {}),
        ...cacheControl(part.cacheControl),
      };
    case 'thinking':
      return { type: 'thinking', thinking: part.text, signature: part.signature ?? '' };
    case 'redacted_thinking':
      return { type: 'redacted_thinking', data: part.data };
  }
}

export function encodeText(part: TextPart): AnthropicTextBlock {
  return { type: 'text', text: part.text, ...cacheControl(part.cacheControl) };
}

function encodeImage(part: ImagePart, param: string): AnthropicImageBlock {
  const source = part.source;
  if (source.kind === 'base64') {
    return {
      type: 'image',
      source: { type: 'base64', media_type: source.mediaType, data: source.data },
      ...cacheControl(part.cacheControl),
    };
  }
  // Anthropic fetches http(s) URLs itself but does not read data: URLs, so those travel as bytes.
  const inline = /^data:([^;,]+);base64,(.*)$/s.exec(source.url);
  if (inline) {
    return {
      type: 'image',
      source: { type: 'base64', media_type: inline[1], data: inline[2] },
      ...cacheControl(part.cacheControl),
    };
  }
  if (!/^https?:\/\//i.test(source.url)) {
    throw new GatehouseError(
      'GH_UNSUPPORTED_BY_PROVIDER',
      'Anthropic accepts images as http(s) URLs or base64 data URLs only.',
      { param },
    );
  }
  return { type: 'image', source: { type: 'url', url: source.url }, ...cacheControl(part.cacheControl) };
}

/** Tool-call arguments arrive as JSON text; Anthropic wants the object itself. */
function parseArguments(text: string, param: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new GatehouseError('GH_INVALID_REQUEST', 'Tool-call arguments must be valid JSON.', { param });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new GatehouseError('GH_INVALID_REQUEST', 'Tool-call arguments must be a JSON object.', { param });
  }
  return parsed as Record<string, unknown>;
}

export function cacheControl(control: CacheControl | undefined): { cache_control?: AnthropicCacheControl } {
  if (!control) return {};
  return { cache_control: control.ttl ? { type: 'ephemeral', ttl: control.ttl } : { type: 'ephemeral' } };
}

/** Stable partition: tool_result blocks before anything else, each group in its original order. */
function toolResultsFirst(blocks: AnthropicContentBlock[]): AnthropicContentBlock[] {
  const results = blocks.filter((b) => b.type === 'tool_result');
  if (results.length === 0 || results.length === blocks.length) return blocks;
  return [...results, ...blocks.filter((b) => b.type !== 'tool_result')];
}
