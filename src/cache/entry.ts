// What the cache keeps of an answer — its IR response, never a dialect's bytes — and the two ways
// it is made and served: assembled from a stream's parts as they pass, and replayed as a stream of
// parts that any surface encodes in its own dialect (text in several chunks, usage at the end).
import type { ChatResponse, StreamChunk, StreamPart, ToolCallPart, Usage } from '../core/ir/index.ts';
import type { Frozen } from '../core/ir/rewrite.ts';

export interface CacheEntry {
  response: ChatResponse;
  /** Where the answer came from, to price what a hit saved. */
  providerType?: string;
  providerModel?: string;
  storedAt: number;
  /** The request whose answer it is, and when the entry expires (quality gate, docs/cache.md). */
  requestId?: string;
  expiresAt?: number;
}

/**
 * Builds a response from stream parts; `response()` is undefined until a finish part arrived, or
 * when the answer grew past `maxChars` (it would not be stored: holding it is memory for nothing).
 */
export class ResponseAssembler {
  readonly #maxChars: number;
  #chars = 0;
  #id = '';
  #model = '';
  #content: ChatResponse['content'] = [];
  #tools = new Map<number, ToolCallPart>();
  #usage: Usage | undefined;
  #finish: Extract<StreamPart, { type: 'finish' }> | undefined;

  constructor(maxChars = Number.POSITIVE_INFINITY) {
    this.#maxChars = maxChars;
  }

  add(chunk: Frozen<StreamChunk>): void {
    if (this.#chars > this.#maxChars) return;
    for (const part of chunk.parts) {
      if (part.type === 'text' || part.type === 'thinking') this.#chars += part.text.length;
      else if (part.type === 'tool_call_delta') this.#chars += part.arguments.length;
      this.#part(part as StreamPart);
    }
    if (this.#chars > this.#maxChars) this.#content = [];
  }

  #part(part: StreamPart): void {
    const content = this.#content;
    const last = content.at(-1);
    switch (part.type) {
      case 'start':
        this.#id = part.id;
        this.#model = part.model;
        return;
      case 'text':
        if (last?.type === 'text') last.text += part.text;
        else content.push({ type: 'text', text: part.text });
        return;
      case 'thinking':
        if (last?.type === 'thinking') last.text += part.text;
        else content.push({ type: 'thinking', text: part.text });
        return;
      case 'thinking_signature':
        if (last?.type === 'thinking') last.signature = (last.signature ?? '') + part.signature;
        else content.push({ type: 'thinking', text: '', signature: part.signature });
        return;
      case 'redacted_thinking':
        content.push({ type: 'redacted_thinking', data: part.data });
        return;
      case 'tool_call_start': {
        const call: ToolCallPart = {
          type: 'tool_call',
          id: part.id,
          name: part.name,
          arguments: '',
          ...(part.signature ? { signature: part.signature } : {}),
        };
        this.#tools.set(part.index, call);
        content.push(call);
        return;
      }
      case 'tool_call_delta': {
        const call = this.#tools.get(part.index);
        if (call) call.arguments += part.arguments;
        return;
      }
      case 'tool_call_end':
        return;
      case 'usage':
        this.#usage = part.usage;
        return;
      case 'finish':
        this.#finish = part;
        return;
    }
  }

  response(): ChatResponse | undefined {
    const finish = this.#finish;
    if (!finish || this.#chars > this.#maxChars) return undefined;
    const content = this.#content.map((part) =>
      part.type === 'tool_call' && part.arguments === '' ? { ...part, arguments: '{}' } : part,
    );
    const final = finish.usage;
    const usage = final.inputTokens === 0 && final.outputTokens === 0 && this.#usage ? this.#usage : final;
    return {
      id: this.#id,
      model: this.#model,
      content,
      finishReason: finish.finishReason,
      ...(finish.stopSequence !== undefined ? { stopSequence: finish.stopSequence } : {}),
      usage,
    };
  }
}

/** Characters of text per replayed chunk: a stream of events, as a model would send, not one blob. */
const chunkChars = 48;

/** Splits text at word boundaries into pieces of about `chunkChars`. */
function pieces(text: string): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < text.length) {
    let end = Math.min(text.length, at + chunkChars);
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end);
      if (space > at) end = space + 1;
    }
    out.push(text.slice(at, end));
    at = end;
  }
  return out;
}

/** The stream chunks a cached response is replayed as, each carrying IR parts only. */
export function replayChunks(response: Frozen<ChatResponse>, id: string): StreamChunk[] {
  const chunks: StreamChunk[] = [{ parts: [{ type: 'start', id, model: response.model }] }];
  let tool = 0;
  for (const part of response.content) {
    switch (part.type) {
      case 'text':
        for (const text of pieces(part.text)) chunks.push({ parts: [{ type: 'text', text }] });
        break;
      case 'thinking':
        for (const text of pieces(part.text)) chunks.push({ parts: [{ type: 'thinking', text }] });
        if (part.signature)
          chunks.push({ parts: [{ type: 'thinking_signature', signature: part.signature }] });
        break;
      case 'redacted_thinking':
        chunks.push({ parts: [{ type: 'redacted_thinking', data: part.data }] });
        break;
      case 'tool_call': {
        const index = tool++;
        chunks.push({
          parts: [
            {
              type: 'tool_call_start',
              index,
              id: part.id,
              name: part.name,
              ...(part.signature ? { signature: part.signature } : {}),
            },
          ],
        });
        for (const args of pieces(part.arguments))
          chunks.push({ parts: [{ type: 'tool_call_delta', index, arguments: args }] });
        chunks.push({ parts: [{ type: 'tool_call_end', index }] });
        break;
      }
    }
  }
  const usage = { ...response.usage };
  chunks.push({ parts: [{ type: 'usage', usage }] });
  chunks.push({
    parts: [
      {
        type: 'finish',
        finishReason: response.finishReason,
        ...(response.stopSequence !== undefined ? { stopSequence: response.stopSequence } : {}),
        usage,
      },
    ],
  });
  return chunks;
}
