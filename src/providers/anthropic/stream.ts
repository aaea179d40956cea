// Anthropic stream events → IR stream parts. Content blocks arrive one at a time, each opened by
// content_block_start and closed by content_block_stop; the IR numbers tool calls on their own
// (0, 1, …) rather than by block index. Usage is split: input in message_start, cumulative output
// in message_delta; the finish part waits for message_stop, the stream's terminal event.
import { GatehouseError } from '../../core/errors/index.ts';
import type { StreamPart } from '../../core/ir/index.ts';
import type { SseEvent } from '../sse.ts';
import { anthropicStreamError } from './errors.ts';
import { anthropicStopReasonToFinish } from './finish-reason.ts';
import { anthropicUsageToIr, mergeAnthropicUsage } from './usage.ts';
import type { AnthropicMessage, AnthropicUsage } from './wire.ts';

interface OpenToolCall {
  index: number;
  sentArguments: boolean;
}

interface EventData {
  type?: string;
  index?: number;
  message?: Partial<AnthropicMessage>;
  content_block?: {
    type?: string;
    id?: string;
    name?: string;
    text?: string;
    thinking?: string;
    data?: string;
  };
  delta?: {
    type?: string;
    text?: string;
    partial_json?: string;
    thinking?: string;
    signature?: string;
    stop_reason?: string | null;
    stop_sequence?: string | null;
  };
  usage?: AnthropicUsage;
}

export class AnthropicStreamDecoder {
  readonly #provider: string;
  readonly #toolCalls = new Map<number, OpenToolCall>();
  #nextToolIndex = 0;
  #usage: AnthropicUsage = {};
  #stopReason: string | null = null;
  #stopSequence: string | null = null;
  #finished = false;

  constructor(provider: string) {
    this.#provider = provider;
  }

  /** Whether the terminal event (message_stop) has been decoded. */
  get finished(): boolean {
    return this.#finished;
  }

  /** The IR parts of one event; an `error` event is thrown as a classified GatehouseError. */
  decode(event: SseEvent): StreamPart[] {
    const data = this.#parse(event.data);
    const name = event.event ?? data.type;
    switch (name) {
      case 'message_start':
        return this.#messageStart(data);
      case 'content_block_start':
        return this.#blockStart(data);
      case 'content_block_delta':
        return this.#blockDelta(data);
      case 'content_block_stop':
        return this.#blockStop(data);
      case 'message_delta':
        this.#stopReason = data.delta?.stop_reason ?? this.#stopReason;
        this.#stopSequence = data.delta?.stop_sequence ?? this.#stopSequence;
        this.#usage = mergeAnthropicUsage(this.#usage, data.usage);
        return data.usage ? [{ type: 'usage', usage: anthropicUsageToIr(this.#usage) }] : [];
      case 'message_stop':
        return this.#messageStop();
      case 'error':
        throw anthropicStreamError(this.#provider, event.data);
      default:
        // ping, and event types added after this was written
        return [];
    }
  }

  #messageStart(data: EventData): StreamPart[] {
    const message = data.message;
    if (!message || typeof message.id !== 'string') throw this.#protocol('message_start without a message');
    this.#usage = mergeAnthropicUsage({}, message.usage);
    return [
      { type: 'start', id: message.id, model: message.model ?? '' },
      { type: 'usage', usage: anthropicUsageToIr(this.#usage) },
    ];
  }

  #blockStart(data: EventData): StreamPart[] {
    const block = data.content_block;
    switch (block?.type) {
      case 'tool_use': {
        if (typeof data.index !== 'number' || !block.id || !block.name)
          throw this.#protocol('tool_use block without id');
        const index = this.#nextToolIndex++;
        this.#toolCalls.set(data.index, { index, sentArguments: false });
        // The block's `input: {}` is a placeholder; the arguments follow as input_json_delta.
        return [{ type: 'tool_call_start', index, id: block.id, name: block.name }];
      }
      case 'text':
        return block.text ? [{ type: 'text', text: block.text }] : [];
      case 'thinking':
        return block.thinking ? [{ type: 'thinking', text: block.thinking }] : [];
      case 'redacted_thinking':
        return block.data ? [{ type: 'redacted_thinking', data: block.data }] : [];
      default:
        return [];
    }
  }

  #blockDelta(data: EventData): StreamPart[] {
    const delta = data.delta;
    switch (delta?.type) {
      case 'text_delta':
        return delta.text ? [{ type: 'text', text: delta.text }] : [];
      case 'thinking_delta':
        return delta.thinking ? [{ type: 'thinking', text: delta.thinking }] : [];
      case 'signature_delta':
        return delta.signature ? [{ type: 'thinking_signature', signature: delta.signature }] : [];
      case 'input_json_delta': {
        const call = typeof data.index === 'number' ? this.#toolCalls.get(data.index) : undefined;
        // The first fragment is usually empty; it carries nothing worth an IR part.
        if (!call || !delta.partial_json) return [];
        call.sentArguments = true;
        return [{ type: 'tool_call_delta', index: call.index, arguments: delta.partial_json }];
      }
      default:
        return [];
    }
  }

  #blockStop(data: EventData): StreamPart[] {
    const call = typeof data.index === 'number' ? this.#toolCalls.get(data.index) : undefined;
    if (!call) return [];
    this.#toolCalls.delete(data.index as number);
    // A tool without arguments streams only "" fragments; the IR spells "no arguments" as "{}".
    const parts: StreamPart[] = call.sentArguments
      ? []
      : [{ type: 'tool_call_delta', index: call.index, arguments: '{}' }];
    parts.push({ type: 'tool_call_end', index: call.index });
    return parts;
  }

  #messageStop(): StreamPart[] {
    this.#finished = true;
    const finish: StreamPart = {
      type: 'finish',
      finishReason: anthropicStopReasonToFinish(this.#stopReason),
      usage: anthropicUsageToIr(this.#usage),
    };
    if (this.#stopReason === 'stop_sequence' && this.#stopSequence !== null)
      finish.stopSequence = this.#stopSequence;
    return [finish];
  }

  #parse(text: string): EventData {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as EventData;
    } catch {
      // reported below
    }
    throw this.#protocol('an event whose data is not a JSON object');
  }

  #protocol(what: string): GatehouseError {
    return new GatehouseError('GH_UPSTREAM_PROTOCOL', `${this.#provider} streamed ${what}.`, {
      provider: this.#provider,
    });
  }
}
