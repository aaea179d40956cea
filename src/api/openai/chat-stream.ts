// Provider stream → OpenAI `chat.completion.chunk` events. An OpenAI-dialect upstream's events are
// forwarded as they came (less the usage chunk the gateway asked for on the caller's behalf);
// other dialects are encoded from IR parts.
import type { GatehouseError } from '../../core/errors/index.ts';
import type { ChatRequest, Dialect, StreamChunk, StreamPart } from '../../core/ir/index.ts';
import { sseFrame } from '../../core/sse/index.ts';
import { chatCompletionId, openaiFinishReason, openaiUsage } from './chat-response.ts';
import { errorBody } from './errors.ts';

export class OpenAIStreamEncoder {
  readonly #req: ChatRequest;
  readonly #created = Math.floor(Date.now() / 1000);
  #id: string;
  #model: string;
  #started = false;
  #done = false;

  constructor(req: ChatRequest, requestId: string) {
    this.#req = req;
    this.#id = chatCompletionId(requestId);
    this.#model = req.model;
  }

  encode(chunk: StreamChunk, dialect: Dialect): string {
    if (dialect === 'openai' && chunk.raw) return this.#forward(chunk);
    let out = '';
    for (const part of chunk.parts) out += this.#part(part);
    return out;
  }

  end(): string {
    if (this.#done) return '';
    this.#done = true;
    return sseFrame('[DONE]');
  }

  error(err: GatehouseError): string {
    return sseFrame(JSON.stringify(errorBody(err, '')));
  }

  #forward(chunk: StreamChunk): string {
    const raw = chunk.raw!;
    if (raw.data === '[DONE]') {
      if (this.#done) return '';
      this.#done = true;
      return sseFrame('[DONE]');
    }
    const usageOnly = chunk.parts.length === 1 && chunk.parts[0]!.type === 'usage';
    if (usageOnly && !this.#req.includeUsage) return '';
    return sseFrame(raw.data, raw.event);
  }

  #part(part: StreamPart): string {
    switch (part.type) {
      case 'start':
        this.#id = chatCompletionId(part.id);
        this.#model = part.model || this.#model;
        return this.#opening();
      case 'text':
        return this.#opening() + this.#chunk({ content: part.text });
      case 'thinking':
        return this.#opening() + this.#chunk({ reasoning_content: part.text });
      case 'tool_call_start':
        return (
          this.#opening() +
          this.#chunk({
            tool_calls: [
              {
                index: part.index,
                id: part.id,
                type: 'function',
                function: { name: part.name, arguments: '' },
              },
            ],
          })
        );
      case 'tool_call_delta':
        return part.arguments === ''
          ? ''
          : this.#chunk({ tool_calls: [{ index: part.index, function: { arguments: part.arguments } }] });
      case 'finish': {
        let out = this.#opening() + this.#chunk({}, openaiFinishReason(part.finishReason));
        if (this.#req.includeUsage) out += this.#frame({ choices: [], usage: openaiUsage(part.usage) });
        return out;
      }
      default:
        return '';
    }
  }

  /** The first chunk carries the role, as OpenAI's own streams do. */
  #opening(): string {
    if (this.#started) return '';
    this.#started = true;
    return this.#chunk({ role: 'assistant', content: '' });
  }

  #chunk(delta: Record<string, unknown>, finishReason: string | null = null): string {
    return this.#frame({ choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] });
  }

  #frame(fields: Record<string, unknown>): string {
    const body: Record<string, unknown> = {
      id: this.#id,
      object: 'chat.completion.chunk',
      created: this.#created,
      model: this.#model,
      ...fields,
    };
    if (this.#req.includeUsage && !('usage' in fields)) body.usage = null;
    return sseFrame(JSON.stringify(body));
  }
}
