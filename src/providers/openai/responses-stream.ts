// Responses API stream events → IR stream parts. Tool calls are numbered in the order their items
// appear; the finish comes with `response.completed` / `response.incomplete`, usage included.
import { GatehouseError } from '../../core/errors/index.ts';
import type { StreamChunk, StreamPart } from '../../core/ir/index.ts';
import type { SseEvent } from '../sse.ts';
import { openaiStreamError } from './errors.ts';
import { type ResponsesBody, responsesFinish, responsesUsageToIr } from './responses-response.ts';

interface ResponsesEvent {
  type?: string;
  item_id?: string;
  delta?: string;
  item?: { id?: string; type?: string; call_id?: string; name?: string };
  response?: ResponsesBody & { error?: { code?: string; message?: string } | null };
  error?: { type?: string; code?: string; message?: string; param?: string | null };
  code?: string;
  message?: string;
}

/**
 * Decodes the events of a Responses API stream one at a time, keeping what spans them (the tool
 * calls' numbering); `finished` turns true with `response.completed` or `response.incomplete`.
 */
export class ResponsesStreamDecoder {
  finished = false;
  readonly #provider: string;
  readonly #model: string;
  readonly #toolIndexByItem = new Map<string, number>();

  constructor(provider: string, model: string) {
    this.#provider = provider;
    this.#model = model;
  }

  decode(event: SseEvent): StreamChunk {
    if (event.data === '[DONE]') return { parts: [] };
    const provider = this.#provider;
    const model = this.#model;
    const toolIndexByItem = this.#toolIndexByItem;
    let payload: ResponsesEvent;
    try {
      payload = JSON.parse(event.data) as ResponsesEvent;
    } catch (cause) {
      throw new GatehouseError('GH_UPSTREAM_PROTOCOL', `${provider}: a stream event is not JSON.`, {
        provider,
        cause,
      });
    }
    const type = payload.type ?? event.event;
    const parts: StreamPart[] = [];
    switch (type) {
      case 'response.created':
        parts.push({
          type: 'start',
          id: payload.response?.id ?? '',
          model: payload.response?.model ?? model,
        });
        break;
      case 'response.output_item.added':
        if (payload.item?.type === 'function_call') {
          const index = toolIndexByItem.size;
          toolIndexByItem.set(payload.item.id ?? `#${index}`, index);
          parts.push({
            type: 'tool_call_start',
            index,
            id: payload.item.call_id ?? '',
            name: payload.item.name ?? '',
          });
        }
        break;
      case 'response.function_call_arguments.delta': {
        const index = toolIndexByItem.get(payload.item_id ?? '');
        if (index !== undefined && payload.delta)
          parts.push({ type: 'tool_call_delta', index, arguments: payload.delta });
        break;
      }
      case 'response.output_item.done': {
        const index =
          payload.item?.type === 'function_call' ? toolIndexByItem.get(payload.item.id ?? '') : undefined;
        if (index !== undefined) parts.push({ type: 'tool_call_end', index });
        break;
      }
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        if (payload.delta) parts.push({ type: 'text', text: payload.delta });
        break;
      case 'response.reasoning_summary_text.delta':
        if (payload.delta) parts.push({ type: 'thinking', text: payload.delta });
        break;
      case 'response.completed':
      case 'response.incomplete': {
        const response = payload.response ?? {};
        const usage = responsesUsageToIr(response.usage);
        parts.push(
          { type: 'usage', usage },
          { type: 'finish', finishReason: responsesFinish(response, toolIndexByItem.size > 0), usage },
        );
        this.finished = true;
        break;
      }
      case 'error': {
        // Recorded streams nest the error ({error:{…}}); the spec has it flat ({code, message}).
        const error = payload.error ?? { code: payload.code, message: payload.message };
        throw openaiStreamError(provider, JSON.stringify({ error }));
      }
      case 'response.failed': {
        const error = payload.response?.error ?? { message: 'the response failed' };
        throw openaiStreamError(provider, JSON.stringify({ error: { ...error, type: error.code } }));
      }
    }
    return { parts, raw: event.event ? { event: event.event, data: event.data } : { data: event.data } };
  }
}

export function endedBeforeCompletion(provider: string): GatehouseError {
  return new GatehouseError(
    'GH_UPSTREAM_PROTOCOL',
    `${provider}: the stream ended before response.completed.`,
    {
      provider,
    },
  );
}
