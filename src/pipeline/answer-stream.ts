// A streamed answer as the stages hand it outward: the upstream's chunks, those of one upstream read
// at a time, beginning with the batch that decided failover. Stages wrap it without wrapping the
// iterator (which would cost a promise per read): `map` adds a step applied to each chunk, `onEnd`
// a callback for when the stream is over. A stream nobody maps costs no step at all.
import type { Dialect, StreamChunk } from '../core/ir/index.ts';

/** How the stream ended, as the writer saw it. */
export interface StreamOutcome {
  /** The upstream's last chunk arrived (the answer is complete). */
  completed: boolean;
  /** The upstream failed mid-stream or the caller left. */
  error?: unknown;
}

export type ChunkStep = (chunk: StreamChunk) => StreamChunk;

export class AnswerStream {
  readonly dialect: Dialect;
  readonly warnings: string[] | undefined;
  /** The first batch: already read, so that a stream failing before it could fail over. */
  readonly first: StreamChunk[];
  readonly #rest: AsyncGenerator<StreamChunk[]>;
  readonly #steps: ChunkStep[] = [];
  readonly #ends: Array<(outcome: StreamOutcome) => void | Promise<void>> = [];
  #ended = false;

  constructor(
    dialect: Dialect,
    warnings: string[] | undefined,
    first: StreamChunk[],
    rest: AsyncGenerator<StreamChunk[]>,
  ) {
    this.dialect = dialect;
    this.warnings = warnings;
    this.first = first;
    this.#rest = rest;
  }

  /**
   * Adds a step every chunk passes through before it is encoded for the caller; steps run in the
   * order they were added, so an outer stage sees what the inner ones made. A step that changes a
   * chunk's content must build the new chunk with `withParts` (core/ir/rewrite.ts), which drops the
   * upstream's text so that the change reaches the caller.
   */
  map(step: ChunkStep): void {
    this.#steps.push(step);
  }

  /** Called once when the stream is over, however it ended; inner stages' callbacks run first. */
  onEnd(callback: (outcome: StreamOutcome) => void | Promise<void>): void {
    this.#ends.push(callback);
  }

  /** A chunk as the stages made it. */
  pass(chunk: StreamChunk): StreamChunk {
    const steps = this.#steps;
    for (let i = 0; i < steps.length; i++) chunk = steps[i]!(chunk);
    return chunk;
  }

  /** The next batch of the upstream's chunks (the iterator's own promise: nothing is added per read). */
  next(): Promise<IteratorResult<StreamChunk[]>> {
    return this.#rest.next();
  }

  /** Stops reading the upstream (when it has not finished) and runs the end callbacks, once. */
  async end(outcome: StreamOutcome): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    // Releases the upstream body when the stream was cut short; a finished generator just says so.
    await this.#rest.return(undefined).catch(() => undefined);
    for (const callback of this.#ends) {
      try {
        await callback(outcome);
      } catch (err) {
        console.error('[gatehouse] a stream end callback failed:', err);
      }
    }
  }
}
