// What of a chat request is compared by meaning, and what must match exactly. The meaning-bearing
// text is the last user turn; everything else that shapes the answer — the model asked for, the
// system prompt, the tools and tool choice, the response format, the sampling parameters and every
// earlier turn — is hashed into the partition key, so two requests share an answer only when all
// of that is identical and the last question means the same. Bookkeeping (user, metadata, stream,
// usage reporting) is left out: it does not change the answer.
import { createHash } from 'node:crypto';
import type { ChatRequest, Message } from '../../core/ir/index.ts';
import type { Frozen } from '../../core/ir/rewrite.ts';

export interface Prompt {
  /** The text embedded and vetoed: the last user turn's text parts. */
  text: string;
  /** Hex hash of everything that must match exactly. */
  partition: string;
}

/**
 * The prompt of a request, or undefined when there is no text to compare: the last turn is not the
 * user's, or holds only tool results or images (those are left to the exact cache).
 */
export function promptOf(request: Frozen<ChatRequest>): Prompt | undefined {
  const last = request.messages.at(-1);
  if (last?.role !== 'user') return undefined;
  if (last.content.some((part) => part.type !== 'text')) return undefined;
  const text = last.content
    .map((part) => (part.type === 'text' ? part.text : ''))
    .join('\n')
    .trim();
  if (text === '') return undefined;
  const context = {
    model: request.model,
    system: request.system?.map((part) => part.text) ?? [],
    tools: request.tools?.map(({ cacheControl: _, ...tool }) => tool) ?? [],
    toolChoice: request.toolChoice ?? null,
    parallelToolCalls: request.parallelToolCalls ?? null,
    responseFormat: request.responseFormat ?? null,
    parameters: [
      request.maxTokens,
      request.temperature,
      request.topP,
      request.topK,
      request.stop,
      request.seed,
      request.n,
      request.thinking,
      request.reasoningEffort,
    ].map((value) => value ?? null),
    earlier: request.messages.slice(0, -1).map(withoutCacheHints),
  };
  const partition = createHash('sha256').update(JSON.stringify(context)).digest('hex').slice(0, 32);
  return { text, partition };
}

/** Prompt-caching hints change what a provider bills, not what it answers. */
function withoutCacheHints(message: Frozen<Message>): unknown {
  return {
    role: message.role,
    content: message.content.map((part) => {
      if (!('cacheControl' in part)) return part;
      const { cacheControl: _, ...rest } = part;
      return rest;
    }),
  };
}
