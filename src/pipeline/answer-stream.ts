// A streamed answer as the stages hand it outward: the upstream's chunks, those of one upstream read
// at a time, beginning with the batch that decided failover. Stages wrap it without wrapping the
// iterator (which would cost a promise per read): `tap` watches each chunk, `map` may change each
// chunk, `onEnd` is called when the stream is over. A stream nobody taps or maps costs no step.
import type { Dialect, StreamChunk } from '../core/ir/index.ts';
import type { Frozen } from '../core/ir/rewrite.ts';

/** How the stream ended, as the writer saw it. */
export interface StreamOutcome {
  /** The upstream's last chunk arrived (the answer is complete). */
  completed: boolean;
  /** The upstream failed mid-stream or the caller left. */
  error?: unknown;
}

export type ChunkStep = (chunk: Frozen<StreamChunk>) => Frozen<StreamChunk>;

export class AnswerStream {
  readonly dialect: Dialect;
  readonly warnings: string[] | undefined;
  /** The first batch: already read, so that a stream failing before it could fail over. */
  readonly first: StreamChunk[];
  readonly #rest: AsyncGenerator<StreamChunk[]>;
  readonly #steps: ChunkStep[] = [];
  /** Set once a stage maps chunks: from the first chunk on, none carries the upstream's text. */
  #rewritten = false;
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
   * Adds a step that may change each chunk (core/ir/rewrite.ts: `mapChunkText`, `rewriteChunk`).
   * Steps run in the order they were added, so an outer stage sees what the inner ones made. A
   * mapped stream is encoded for the caller from its parts, every chunk of it: the upstream's own
   * text, which would not show the change, is never forwarded — and a stream is either forwarded
   * or encoded from start to end, never switched midway.
   */
  map(step: ChunkStep): void {
    this.#rewritten = true;
    this.#steps.push(step);
  }

  /** Adds a step that watches each chunk (as the caller will receive it, when added last). */
  tap(watch: (chunk: Frozen<StreamChunk>) => void): void {
    this.#steps.push((chunk) => {
      watch(chunk);
      return chunk;
    });
  }

  /** Called once when the stream is over, however it ended; inner stages' callbacks run first. */
  onEnd(callback: (outcome: StreamOutcome) => void | Promise<void>): void {
    this.#ends.push(callback);
  }

  /** A chunk as the stages made it. */
  pass(chunk: StreamChunk): Frozen<StreamChunk> {
    let out: Frozen<StreamChunk> = this.#rewritten && chunk.raw ? { parts: chunk.parts } : chunk;
    const steps = this.#steps;
    for (let i = 0; i < steps.length; i++) out = steps[i]!(out);
    return out;
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
