// Gemini stream events → IR stream parts. Each `data:` event is a whole GenerateContentResponse holding
// only the new text; function calls arrive complete, so each becomes start + one delta + end. Usage
// rides on every event (the last wins) and there is no terminal event: the stream simply ends, so the
// finish part is made at end of input from the last finish reason seen.
import { GatehouseError } from '../../core/errors/index.ts';
import type { StreamPart, Usage } from '../../core/ir/index.ts';
import type { SseEvent } from '../sse.ts';
import { geminiStreamError, readGeminiError } from './errors.ts';
import { decodeGeminiPart, geminiResponseFinish } from './response.ts';
import { geminiUsageToIr } from './usage.ts';
import type { GeminiResponse } from './wire.ts';

export class GeminiStreamDecoder {
  readonly #provider: string;
  readonly #model: string;
  #started = false;
  #toolCalls = 0;
  #usage: Usage = { inputTokens: 0, outputTokens: 0 };
  /** The latest event that stated how generation ended. */
  #finishEvent: GeminiResponse | undefined;

  /** `model` stands in for the served model when the events do not name their `modelVersion`. */
  constructor(provider: string, model: string) {
    this.#provider = provider;
    this.#model = model;
  }

  /** The IR parts of one event; an error event is thrown as a classified GatehouseError. */
  decode(event: SseEvent): StreamPart[] {
    const response = this.#parse(event.data);
    const error = readGeminiError(response);
    if (error) throw geminiStreamError(this.#provider, error);
    const parts: StreamPart[] = [];
    if (!this.#started) {
      this.#started = true;
      parts.push({
        type: 'start',
        id: response.responseId ?? '',
        model: response.modelVersion ?? this.#model,
      });
    }
    for (const wirePart of response.candidates?.[0]?.content?.parts ?? []) {
      for (const part of decodeGeminiPart(wirePart)) {
        if (part.type === 'text') parts.push(part);
        else if (part.type === 'thinking') {
          if (part.text !== '') parts.push({ type: 'thinking', text: part.text });
          if (part.signature) parts.push({ type: 'thinking_signature', signature: part.signature });
        } else {
          const index = this.#toolCalls++;
          parts.push(
            {
              type: 'tool_call_start',
              index,
              id: part.id,
              name: part.name,
              ...(part.signature ? { signature: part.signature } : {}),
            },
            { type: 'tool_call_delta', index, arguments: part.arguments },
            { type: 'tool_call_end', index },
          );
        }
      }
    }
    if (response.usageMetadata) {
      this.#usage = geminiUsageToIr(response.usageMetadata);
      parts.push({ type: 'usage', usage: this.#usage });
    }
    if (geminiResponseFinish(response, false) !== undefined) this.#finishEvent = response;
    return parts;
  }

  /** The finish part, at end of input; a stream that never said how it ended was cut short. */
  end(): StreamPart {
    const finishReason = this.#finishEvent && geminiResponseFinish(this.#finishEvent, this.#toolCalls > 0);
    if (!finishReason) {
      throw new GatehouseError(
        'GH_UPSTREAM_PROTOCOL',
        `${this.#provider}: the stream ended without a finish reason.`,
        {
          provider: this.#provider,
        },
      );
    }
    return { type: 'finish', finishReason, usage: this.#usage };
  }

  #parse(text: string): GeminiResponse {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
        return parsed as GeminiResponse;
    } catch {
      // reported below
    }
    throw new GatehouseError(
      'GH_UPSTREAM_PROTOCOL',
      `${this.#provider} streamed an event that is not a JSON object.`,
      {
        provider: this.#provider,
      },
    );
  }
}
