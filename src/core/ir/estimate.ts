// Token estimates for admission and for providers that report none. Four characters a token is the
// usual rule of thumb for English text; real usage always comes from the provider when it reports it.
import type { ChatRequest, Part } from './index.ts';
import type { Frozen } from './rewrite.ts';

export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}

function partText(part: Frozen<Part>): string {
  switch (part.type) {
    case 'text':
    case 'thinking':
      return part.text;
    case 'tool_call':
      return part.name + part.arguments;
    case 'tool_result':
      return typeof part.content === 'string'
        ? part.content
        : part.content.map((p) => (p.type === 'text' ? p.text : '')).join('');
    case 'image':
      return ' '.repeat(340); // roughly 85 tokens, the low-detail price of an image
    case 'redacted_thinking':
      return part.data;
  }
}

/** Estimated input tokens of a chat request: messages, system prompt and tool definitions. */
export function estimateRequestTokens(req: Frozen<ChatRequest>): number {
  let chars = 0;
  for (const part of req.system ?? []) chars += part.text.length;
  for (const message of req.messages) {
    chars += 4;
    for (const part of message.content) chars += partText(part).length;
  }
  for (const tool of req.tools ?? [])
    chars += tool.name.length + (tool.description?.length ?? 0) + JSON.stringify(tool.parameters).length;
  return Math.ceil(chars / 4);
}
