// Server-sent events decoding shared by the SSE dialects (OpenAI, Anthropic, Gemini). Accepts
// LF, CR and CRLF line endings (Gemini uses CRLF) and chunk boundaries anywhere, including inside
// a multi-byte character.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { SseEvent } from '../core/sse/index.ts';

export { type SseEvent, sseFrame } from '../core/sse/index.ts';

/**
 * The events of each body read, as one batch: a read of 200 events is one step of an async
 * iteration instead of 200, each of which costs promises of its own.
 */
export async function* sseBatches(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent[]> {
  const decoder = new TextDecoder();
  let pending: SseEvent[] = [];
  const parser = createParser({
    onEvent(message: EventSourceMessage) {
      pending.push(message.event ? { event: message.event, data: message.data } : { data: message.data });
    },
  });
  for await (const chunk of body) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    if (pending.length > 0) {
      const ready = pending;
      pending = [];
      yield ready;
    }
  }
  parser.feed(`${decoder.decode()}\n\n`);
  if (pending.length > 0) yield pending;
}
