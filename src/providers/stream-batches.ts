// Streamed answers in batches: the chunks of one upstream read at once, so that a read of 200 events
// costs the pipeline one async step instead of 200, each with promises of its own.
import type { ChatStream, Dialect, StreamChunk } from '../core/ir/index.ts';
import type { SseEvent } from './sse.ts';

/**
 * Decodes each read's events into chunks. The stream's first chunk comes on its own, so that the
 * time to first byte does not wait for the rest of its read. Stops after the event for which
 * `finished()` turns true and returns true; returns false when the body ends first. When an event
 * fails to decode, the chunks before it are delivered first, as they would have been one by one.
 */
export async function* decodeBatches<E = SseEvent>(
  reads: AsyncIterable<E[]>,
  decode: (event: E) => StreamChunk,
  finished: () => boolean,
): AsyncGenerator<StreamChunk[], boolean> {
  let first = true;
  for await (const events of reads) {
    let chunks: StreamChunk[] = [];
    for (const event of events) {
      try {
        chunks.push(decode(event));
      } catch (err) {
        if (chunks.length > 0) yield chunks;
        throw err;
      }
      if (finished()) {
        yield chunks;
        return true;
      }
      if (first) {
        first = false;
        yield chunks;
        chunks = [];
      }
    }
    if (chunks.length > 0) yield chunks;
  }
  return false;
}

/** A ChatStream over batches: the pipeline reads it batch by batch, any other reader chunk by chunk. */
export function batchedStream(
  fields: { dialect: Dialect; warnings?: string[] },
  batches: () => AsyncGenerator<StreamChunk[]>,
): ChatStream {
  return {
    ...fields,
    batches,
    async *[Symbol.asyncIterator]() {
      for await (const batch of batches()) for (const chunk of batch) yield chunk;
    },
  };
}
