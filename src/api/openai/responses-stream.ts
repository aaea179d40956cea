// Provider stream → OpenAI Responses stream events, in the order the official SDKs accumulate:
// response.created, response.in_progress, then per output item output_item.added, its content
// (content_part.added + output_text.delta…done, reasoning summary parts, or function-call argument
// deltas), output_item.done, and at the end response.completed (or .incomplete) with usage. Every
// event carries `sequence_number`. An OpenAI Responses upstream's events (unless a stage rewrote
// them) are forwarded as they came.
import type { GatehouseError } from '../../core/errors/index.ts';
import type { ChatRequest, Dialect, StreamChunk, StreamPart } from '../../core/ir/index.ts';
import { sseFrame } from '../../core/sse/index.ts';
import { errorBody } from './errors.ts';
import {
  functionCallItem,
  hex,
  messageItem,
  type OutputItem,
  outputTextPart,
  type ResponseContext,
  reasoningItem,
  responseObject,
  statusOf,
} from './responses-response.ts';

interface OpenItem {
  outputIndex: number;
  id: string;
  kind: 'message' | 'reasoning' | 'function_call';
  text: string;
  call?: { id: string; name: string };
}

export class ResponsesStreamEncoder {
  readonly #req: ChatRequest;
  readonly #context: ResponseContext;
  readonly #onComplete: (response: Record<string, unknown>) => void;
  #model: string;
  #sequence = 0;
  #started = false;
  #done = false;
  readonly #output: OutputItem[] = [];
  /** The message or reasoning item text is going to; closed when anything else starts. */
  #open: OpenItem | undefined;
  /** Function calls by IR index: parallel calls may interleave their argument deltas. */
  readonly #calls = new Map<number, OpenItem>();

  constructor(
    req: ChatRequest,
    context: ResponseContext,
    onComplete: (response: Record<string, unknown>) => void,
  ) {
    this.#req = req;
    this.#context = context;
    this.#model = req.model;
    this.#onComplete = onComplete;
  }

  encode(chunk: StreamChunk, dialect: Dialect): string {
    if (dialect === 'openai-responses' && chunk.raw) return this.#forward(chunk.raw);
    let out = '';
    for (const part of chunk.parts) out += this.#part(part);
    return out;
  }

  end(): string {
    return '';
  }

  error(err: GatehouseError): string {
    const { error } = errorBody(err, '') as { error: Record<string, unknown> };
    return this.#event('error', { code: error.code, message: error.message, param: error.param });
  }

  /**
   * An upstream event as it came, but for the response's id in the events that carry the response
   * object: the id is the gateway's, by which the stored copy is found.
   */
  #forward(raw: { event?: string; data: string }): string {
    if (!raw.event?.startsWith('response.') || !raw.data.includes('"response"'))
      return sseFrame(raw.data, raw.event);
    let payload: { response?: Record<string, unknown> };
    try {
      payload = JSON.parse(raw.data) as typeof payload;
    } catch {
      return sseFrame(raw.data, raw.event); // the caller's SDK reports it; there is nothing to store
    }
    if (!payload.response || typeof payload.response !== 'object') return sseFrame(raw.data, raw.event);
    payload.response.id = this.#context.id;
    if (raw.event === 'response.completed' || raw.event === 'response.incomplete')
      this.#onComplete(payload.response);
    return sseFrame(JSON.stringify(payload), raw.event);
  }

  #part(part: StreamPart): string {
    switch (part.type) {
      case 'start':
        this.#model = part.model || this.#model;
        return this.#opening();
      case 'text':
      case 'thinking':
        return this.#opening() + this.#text(part.type === 'text' ? 'message' : 'reasoning', part.text);
      case 'tool_call_start':
        return this.#opening() + this.#closeOpen() + this.#startCall(part);
      case 'tool_call_delta': {
        const call = this.#calls.get(part.index);
        if (!call || part.arguments === '') return '';
        call.text += part.arguments;
        return this.#event('response.function_call_arguments.delta', {
          item_id: call.id,
          output_index: call.outputIndex,
          delta: part.arguments,
        });
      }
      case 'tool_call_end': {
        const call = this.#calls.get(part.index);
        if (!call) return '';
        this.#calls.delete(part.index);
        return this.#close(call);
      }
      case 'finish': {
        let out = this.#opening() + this.#closeOpen();
        for (const call of [...this.#calls.values()].sort((a, b) => a.outputIndex - b.outputIndex))
          out += this.#close(call);
        this.#calls.clear();
        const { status, incomplete } = statusOf(part.finishReason);
        const response = responseObject(this.#req, this.#context, this.#model, this.#output, status, {
          usage: part.usage,
          incomplete,
        });
        out += this.#event(`response.${status}`, { response });
        this.#done = true;
        this.#onComplete(response);
        return out;
      }
      default:
        return '';
    }
  }

  #opening(): string {
    if (this.#started) return '';
    this.#started = true;
    const response = responseObject(this.#req, this.#context, this.#model, [], 'in_progress');
    return this.#event('response.created', { response }) + this.#event('response.in_progress', { response });
  }

  #text(kind: 'message' | 'reasoning', delta: string): string {
    let out = '';
    if (this.#open?.kind !== kind) {
      out += this.#closeOpen();
      const item: OpenItem = {
        outputIndex: this.#output.length,
        id: `${kind === 'message' ? 'msg' : 'rs'}_${hex()}`,
        kind,
        text: '',
      };
      this.#open = item;
      const added = kind === 'message' ? messageItem(item.id, '', 'in_progress') : reasoningItem(item.id, '');
      this.#output.push(added);
      out += this.#event('response.output_item.added', { output_index: item.outputIndex, item: added });
      out +=
        kind === 'message'
          ? this.#event('response.content_part.added', {
              item_id: item.id,
              output_index: item.outputIndex,
              content_index: 0,
              part: outputTextPart(''),
            })
          : this.#event('response.reasoning_summary_part.added', {
              item_id: item.id,
              output_index: item.outputIndex,
              summary_index: 0,
              part: { type: 'summary_text', text: '' },
            });
    }
    const item = this.#open!;
    item.text += delta;
    return (
      out +
      (kind === 'message'
        ? this.#event('response.output_text.delta', {
            item_id: item.id,
            output_index: item.outputIndex,
            content_index: 0,
            delta,
            logprobs: [],
          })
        : this.#event('response.reasoning_summary_text.delta', {
            item_id: item.id,
            output_index: item.outputIndex,
            summary_index: 0,
            delta,
          }))
    );
  }

  #startCall(part: Extract<StreamPart, { type: 'tool_call_start' }>): string {
    const call: OpenItem = {
      outputIndex: this.#output.length,
      id: `fc_${hex()}`,
      kind: 'function_call',
      text: '',
      call: { id: part.id, name: part.name },
    };
    this.#calls.set(part.index, call);
    const item = functionCallItem(call.id, { ...call.call!, arguments: '' }, 'in_progress');
    this.#output.push(item);
    return this.#event('response.output_item.added', { output_index: call.outputIndex, item });
  }

  #closeOpen(): string {
    const item = this.#open;
    if (!item) return '';
    this.#open = undefined;
    return this.#close(item);
  }

  /** The `.done` events of an item, and its final form in the output. */
  #close(item: OpenItem): string {
    const at = { item_id: item.id, output_index: item.outputIndex };
    let out = '';
    let done: OutputItem;
    if (item.kind === 'message') {
      done = messageItem(item.id, item.text);
      out += this.#event('response.output_text.done', {
        ...at,
        content_index: 0,
        text: item.text,
        logprobs: [],
      });
      out += this.#event('response.content_part.done', {
        ...at,
        content_index: 0,
        part: outputTextPart(item.text),
      });
    } else if (item.kind === 'reasoning') {
      done = reasoningItem(item.id, item.text);
      out += this.#event('response.reasoning_summary_text.done', {
        ...at,
        summary_index: 0,
        text: item.text,
      });
      out += this.#event('response.reasoning_summary_part.done', {
        ...at,
        summary_index: 0,
        part: { type: 'summary_text', text: item.text },
      });
    } else {
      const args = item.text === '' ? '{}' : item.text;
      done = functionCallItem(item.id, { ...item.call!, arguments: args });
      out += this.#event('response.function_call_arguments.done', {
        ...at,
        name: item.call!.name,
        arguments: args,
      });
    }
    this.#output[item.outputIndex] = done;
    return out + this.#event('response.output_item.done', { output_index: item.outputIndex, item: done });
  }

  #event(type: string, fields: Record<string, unknown>): string {
    if (this.#done && type !== 'error') return '';
    return sseFrame(JSON.stringify({ type, sequence_number: this.#sequence++, ...fields }), type);
  }
}
