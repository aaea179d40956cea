// Provider stream → Anthropic Messages events. Anthropic upstreams are forwarded as they came.
// Other dialects are encoded from IR parts into strictly sequential content blocks: Anthropic
// clients allow one open block at a time, while OpenAI-dialect upstreams may interleave the
// fragments of parallel tool calls. Parts that arrive for another block while a tool block is open
// are deferred and replayed, in order, once it closes.
import type { GatehouseError } from '../../core/errors/index.ts';
import type { ChatRequest, Dialect, StreamChunk, StreamPart, Usage } from '../../core/ir/index.ts';
import { sseFrame } from '../../core/sse/index.ts';
import { errorBody } from './errors.ts';
import { anthropicStopReason, anthropicUsage, messageId } from './messages-response.ts';

type OpenBlock = { kind: 'text' | 'thinking' } | { kind: 'tool'; toolIndex: number };

export class AnthropicStreamEncoder {
  #id: string;
  #model: string;
  #started = false;
  #blocks = 0;
  #open: OpenBlock | undefined;
  #deferred: StreamPart[] = [];
  #usage: Usage = { inputTokens: 0, outputTokens: 0 };

  constructor(req: ChatRequest, requestId: string) {
    this.#id = messageId(requestId);
    this.#model = req.model;
  }

  encode(chunk: StreamChunk, dialect: Dialect): string {
    if (dialect === 'anthropic' && chunk.raw) return sseFrame(chunk.raw.data, chunk.raw.event);
    let out = '';
    for (const part of chunk.parts) out += this.#part(part);
    return out;
  }

  end(): string {
    return '';
  }

  error(err: GatehouseError): string {
    return sseFrame(
      JSON.stringify({ type: 'error', error: (errorBody(err, '') as { error: unknown }).error }),
      'error',
    );
  }

  #part(part: StreamPart): string {
    if (part.type === 'start') {
      this.#id = messageId(part.id);
      this.#model = part.model || this.#model;
      return this.#opening();
    }
    if (part.type === 'usage') {
      this.#usage = part.usage;
      return '';
    }
    if (part.type === 'finish') return this.#finish(part.finishReason, part.stopSequence, part.usage);
    const open = this.#open;
    if (open?.kind === 'tool' && !('index' in part && part.index === open.toolIndex)) {
      this.#deferred.push(part);
      return '';
    }
    let out = this.#opening();
    switch (part.type) {
      case 'text':
        if (open?.kind !== 'text')
          out += this.#close() + this.#startBlock({ type: 'text', text: '' }, { kind: 'text' });
        return out + this.#delta({ type: 'text_delta', text: part.text });
      case 'thinking':
        if (open?.kind !== 'thinking')
          out +=
            this.#close() +
            this.#startBlock({ type: 'thinking', thinking: '', signature: '' }, { kind: 'thinking' });
        return out + this.#delta({ type: 'thinking_delta', thinking: part.text });
      case 'thinking_signature':
        return open?.kind === 'thinking'
          ? out + this.#delta({ type: 'signature_delta', signature: part.signature })
          : out;
      case 'redacted_thinking':
        return (
          out +
          this.#close() +
          this.#startBlock({ type: 'redacted_thinking', data: part.data }, { kind: 'text' }) +
          this.#close()
        );
      case 'tool_call_start':
        return (
          out +
          this.#close() +
          this.#startBlock(
            { type: 'tool_use', id: part.id, name: part.name, input: {} },
            { kind: 'tool', toolIndex: part.index },
          )
        );
      case 'tool_call_delta':
        // A delta for a call whose block is not open (its start never came) has nowhere to go.
        return open?.kind === 'tool' && part.arguments !== ''
          ? out + this.#delta({ type: 'input_json_delta', partial_json: part.arguments })
          : out;
      case 'tool_call_end':
        return open?.kind === 'tool' ? out + this.#close() + this.#replay() : out;
    }
  }

  /** Feeds deferred parts through again; those for a block that still cannot open are deferred anew. */
  #replay(): string {
    const queue = this.#deferred;
    this.#deferred = [];
    let out = '';
    for (const part of queue) out += this.#part(part);
    return out;
  }

  #finish(
    reason: Parameters<typeof anthropicStopReason>[0],
    stopSequence: string | undefined,
    usage: Usage,
  ): string {
    let out = this.#opening();
    // Close whatever is open, replaying deferred parts, until nothing is left.
    do {
      out += this.#close();
      out += this.#replay();
    } while (this.#open !== undefined || this.#deferred.length > 0);
    const final = usage.inputTokens === 0 && usage.outputTokens === 0 ? this.#usage : usage;
    out += sseFrame(
      JSON.stringify({
        type: 'message_delta',
        delta: {
          stop_reason: anthropicStopReason(reason, stopSequence),
          stop_sequence: stopSequence ?? null,
        },
        usage: anthropicUsage(final),
      }),
      'message_delta',
    );
    return out + sseFrame('{"type":"message_stop"}', 'message_stop');
  }

  #opening(): string {
    if (this.#started) return '';
    this.#started = true;
    const message = {
      id: this.#id,
      type: 'message',
      role: 'assistant',
      model: this.#model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: anthropicUsage(this.#usage),
    };
    return sseFrame(JSON.stringify({ type: 'message_start', message }), 'message_start');
  }

  #startBlock(contentBlock: Record<string, unknown>, open: OpenBlock): string {
    this.#open = open;
    return sseFrame(
      JSON.stringify({ type: 'content_block_start', index: this.#blocks, content_block: contentBlock }),
      'content_block_start',
    );
  }

  #delta(delta: Record<string, unknown>): string {
    return sseFrame(
      JSON.stringify({ type: 'content_block_delta', index: this.#blocks, delta }),
      'content_block_delta',
    );
  }

  #close(): string {
    if (!this.#open) return '';
    this.#open = undefined;
    return sseFrame(
      JSON.stringify({ type: 'content_block_stop', index: this.#blocks++ }),
      'content_block_stop',
    );
  }
}
