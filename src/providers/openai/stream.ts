// chat.completion.chunk events → IR stream parts. OpenAI sends the finish_reason chunk, then (when
// usage was asked for) a `choices: []` usage chunk, then `[DONE]`; so the IR finish part waits for
// `[DONE]`, or for a clean end of the body after a finish_reason, which is how some compatible
// servers end. Tool-call fragments are accumulated by their `index`: the first fragment normally
// brings id and name, but compatible servers may send arguments with it, the whole call at once,
// or no id at all.
import { GatehouseError } from '../../core/errors/index.ts';
import { emptyUsage, type StreamPart, type Usage } from '../../core/ir/index.ts';
import type { SseEvent } from '../sse.ts';
import { openaiStreamError } from './errors.ts';
import { openaiFinishReasonToIr } from './finish-reason.ts';
import { firstChoice, generatedCompletionId, generatedToolCallId, reasoningText } from './response.ts';
import { openaiUsageToIr } from './usage.ts';
import type { OpenAIAnswerMessage, OpenAICompletion, OpenAIToolCallFragment } from './wire.ts';

interface ToolCallState {
  /** The IR index: tool calls in the order they appeared. */
  index: number;
  id?: string;
  name?: string;
  started: boolean;
  /** Argument text that arrived before the name did. */
  pending: string;
  sentArguments: boolean;
}

/**
 * Most events of a stream are one choice's text, serialised the same way every time. This pattern
 * accepts only that exact form, as OpenAI writes it (fields in its order, no spaces, nothing else:
 * no role, tool call, reasoning, refusal, finish reason, usage or error), and captures the text's
 * JSON string. Any other event, or the same one written differently, is parsed in full.
 */
const plainDelta = new RegExp(
  '^\\{"id":"[^"\\\\]*","object":"chat\\.completion\\.chunk","created":\\d+,"model":"[^"\\\\]*"' +
    '(?:,"service_tier":"[^"\\\\]*")?(?:,"system_fingerprint":"[^"\\\\]*")?' +
    ',"choices":\\[\\{"index":0,"delta":\\{"content":("(?:[^"\\\\]|\\\\.)*")\\},"logprobs":null,"finish_reason":null\\}\\]' +
    '(?:,"usage":null)?(?:,"obfuscation":"[^"\\\\]*")?\\}$',
);

/**
 * The text of an event that carries nothing but text, without parsing the whole event (a full
 * JSON.parse was most of the cost of a streamed event); undefined for any other event.
 */
export function plainContentDelta(data: string): string | undefined {
  const match = plainDelta.exec(data);
  if (!match) return undefined;
  try {
    return JSON.parse(match[1]!) as string;
  } catch {
    return undefined; // a bad escape or a raw control character: the full parse reports it
  }
}

/** Where the deprecated single `function_call` delta is accumulated (no real index is negative). */
const legacyFunctionCall = -1;

export class OpenAIStreamDecoder {
  readonly #provider: string;
  readonly #model: string;
  readonly #toolCalls = new Map<number, ToolCallState>();
  #lastToolKey: number | undefined;
  #nextToolIndex = 0;
  #started = false;
  #finishReason: string | null = null;
  #hadToolCalls = false;
  #usage: Usage | undefined;
  #finished = false;

  /** `model` stands in for the chunk's `model` when a server leaves it out. */
  constructor(provider: string, model: string) {
    this.#provider = provider;
    this.#model = model;
  }

  /** Whether the terminal event (`[DONE]`) has been decoded. */
  get finished(): boolean {
    return this.#finished;
  }

  /** The IR parts of one event; an error payload is thrown as a classified GatehouseError. */
  decode(event: SseEvent): StreamPart[] {
    if (event.event === 'error') throw openaiStreamError(this.#provider, event.data);
    const data = event.data.trim();
    if (data === '[DONE]') return this.#done();
    if (data === '') return [];
    if (this.#started) {
      const text = plainContentDelta(data);
      if (text !== undefined) return text === '' ? [] : [{ type: 'text', text }];
    }
    const chunk = this.#parse(data);
    if (chunk.error !== undefined && chunk.error !== null) throw openaiStreamError(this.#provider, data);
    const parts: StreamPart[] = [];
    if (!this.#started) {
      this.#started = true;
      parts.push({
        type: 'start',
        id: typeof chunk.id === 'string' && chunk.id !== '' ? chunk.id : generatedCompletionId(),
        model: typeof chunk.model === 'string' && chunk.model !== '' ? chunk.model : this.#model,
      });
    }
    const choice = firstChoice(chunk.choices);
    if (choice) {
      const delta = choice.delta ?? choice.message;
      if (delta) parts.push(...this.#delta(delta));
      if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') {
        this.#finishReason = choice.finish_reason;
        parts.push(...this.#closeToolCalls());
      }
    }
    if (chunk.usage) {
      this.#usage = openaiUsageToIr(chunk.usage);
      // Only the separate usage chunk becomes a usage part, so that a surface can drop that chunk
      // whole for a client that did not ask for usage; usage riding on a finish chunk is just kept.
      if (!Array.isArray(chunk.choices) || chunk.choices.length === 0) {
        parts.push({ type: 'usage', usage: this.#usage });
      }
    }
    return parts;
  }

  /** The body ended without `[DONE]`: the end, if a finish_reason came; a cut-off stream otherwise. */
  end(): StreamPart[] {
    if (this.#finishReason === null) throw this.#protocol('the stream ended before its finish_reason');
    return this.#done();
  }

  #delta(delta: OpenAIAnswerMessage): StreamPart[] {
    const parts: StreamPart[] = [];
    const reasoning = reasoningText(delta);
    if (reasoning) parts.push({ type: 'thinking', text: reasoning });
    if (typeof delta.content === 'string' && delta.content !== '') {
      parts.push({ type: 'text', text: delta.content });
    }
    if (typeof delta.refusal === 'string' && delta.refusal !== '') {
      parts.push({ type: 'text', text: delta.refusal });
    }
    for (const fragment of delta.tool_calls ?? []) {
      if (fragment) parts.push(...this.#toolCallFragment(this.#toolKey(fragment), fragment));
    }
    if (delta.function_call) {
      parts.push(...this.#toolCallFragment(legacyFunctionCall, { function: delta.function_call }));
    }
    return parts;
  }

  /** The fragment's call: by `index`; servers that leave it out are matched by id, else the last call. */
  #toolKey(fragment: OpenAIToolCallFragment): number {
    if (typeof fragment.index === 'number') return fragment.index;
    if (typeof fragment.id === 'string' && fragment.id !== '') {
      for (const [key, state] of this.#toolCalls) if (state.id === fragment.id) return key;
      return this.#toolCalls.size === 0 ? 0 : Math.max(...this.#toolCalls.keys()) + 1;
    }
    return this.#lastToolKey ?? 0;
  }

  #toolCallFragment(key: number, fragment: OpenAIToolCallFragment): StreamPart[] {
    let state = this.#toolCalls.get(key);
    if (!state) {
      state = { index: this.#nextToolIndex++, started: false, pending: '', sentArguments: false };
      this.#toolCalls.set(key, state);
      this.#hadToolCalls = true;
    }
    this.#lastToolKey = key;
    if (typeof fragment.id === 'string' && fragment.id !== '') state.id ??= fragment.id;
    const name = fragment.function?.name;
    if (typeof name === 'string' && name !== '') state.name ??= name;
    const raw = fragment.function?.arguments;
    const args = raw !== null && typeof raw === 'object' ? JSON.stringify(raw) : raw;
    const parts: StreamPart[] = [];
    if (!state.started && state.name !== undefined) {
      state.started = true;
      state.id ??= generatedToolCallId();
      parts.push({ type: 'tool_call_start', index: state.index, id: state.id, name: state.name });
      if (state.pending !== '') parts.push(this.#arguments(state, state.pending));
    }
    if (typeof args === 'string' && args !== '') {
      if (state.started) parts.push(this.#arguments(state, args));
      else state.pending += args;
    }
    return parts;
  }

  #arguments(state: ToolCallState, text: string): StreamPart {
    state.sentArguments = true;
    return { type: 'tool_call_delta', index: state.index, arguments: text };
  }

  /** Ends every open call (the finish chunk closes them all); a call without arguments gets "{}". */
  #closeToolCalls(): StreamPart[] {
    const parts: StreamPart[] = [];
    for (const state of [...this.#toolCalls.values()].sort((a, b) => a.index - b.index)) {
      if (!state.started) throw this.#protocol('a streamed tool call never named its function');
      if (!state.sentArguments) parts.push(this.#arguments(state, '{}'));
      parts.push({ type: 'tool_call_end', index: state.index });
    }
    this.#toolCalls.clear();
    this.#lastToolKey = undefined;
    return parts;
  }

  #done(): StreamPart[] {
    const parts = this.#closeToolCalls();
    this.#finished = true;
    parts.push({
      type: 'finish',
      finishReason: openaiFinishReasonToIr(this.#finishReason, this.#hadToolCalls),
      usage: this.#usage ?? emptyUsage(),
    });
    return parts;
  }

  #parse(text: string): OpenAICompletion {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        return parsed as OpenAICompletion;
      }
    } catch {
      // reported below
    }
    throw this.#protocol('a stream event whose data is not a JSON object');
  }

  #protocol(problem: string): GatehouseError {
    return new GatehouseError('GH_UPSTREAM_PROTOCOL', `${this.#provider}: ${problem}.`, {
      provider: this.#provider,
    });
  }
}
