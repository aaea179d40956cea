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

/** How one provider turns its upstream's events into chunks, for `decodedStream`. */
export interface StreamDecoding<E> {
  decode(event: E): StreamChunk;
  /** True once the event that ends the answer has been decoded; the rest of the body is not read. */
  finished(): boolean;
  /**
   * Called once the reads are over, with whether `finished()` turned true first: the chunks that
   * close the answer (none, or a finish made at the end), or a throw for a stream cut short.
   */
  end(finished: boolean): StreamChunk[];
}

/**
 * A provider's streamed answer, decoded a read at a time. `start` makes the decoding state when the
 * reading starts; the upstream connection is released however the stream ends: finished, failed or
 * abandoned by its reader.
 */
export function decodedStream<E>(
  fields: { dialect: Dialect; warnings?: string[] },
  upstream: { dump(): Promise<void> },
  reads: AsyncIterable<E[]>,
  start: () => StreamDecoding<E>,
): ChatStream {
  return batchedStream(fields, async function* () {
    const decoding = start();
    try {
      const done = yield* decodeBatches(
        reads,
        (event) => decoding.decode(event),
        () => decoding.finished(),
      );
      const last = decoding.end(done);
      if (last.length > 0) yield last;
    } finally {
      await upstream.dump();
    }
  });
}
