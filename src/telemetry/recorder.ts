// The request log: one event per request, recorded without touching the request path. Events wait
// in a bounded in-memory queue and are written in batches. When the store fails or falls behind,
// batches are appended to a spill file instead (never dropped, never blocking), and replayed once
// the store answers again — also after a crash or restart. Writes are idempotent by request id, so
// a replayed batch is stored exactly once.
import { appendFile, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestEventsTable } from '../store/schema.ts';

export type EventRow = RequestEventsTable;

export interface EventSink {
  /** Stores rows, ignoring any whose request id is already stored. */
  write(rows: EventRow[]): Promise<void>;
}

export interface RecorderStats {
  queued: number;
  spilledBytes: number;
  dropped: number;
  written: number;
}

export interface RecorderOptions {
  sink: EventSink;
  spillFile: string;
  batchSize?: number;
  /**
   * How often the queue is written (default 50 ms). Often enough that at moderate rates a batch
   * stays small (SQLite's writes hold the event loop in proportion to the rows) and events do not
   * live long enough to survive V8's minor collections; at high rates a batch is still large enough
   * that a row costs no more than in a full one (docs/performance.md, "Stalls").
   */
  flushIntervalMs?: number;
  /** Past this many queued events the queue goes to the spill file rather than grow. */
  maxQueue?: number;
  /** A batch write that takes longer counts as a store failure (default 10 s). */
  writeTimeoutMs?: number;
  /** After a store failure, events go straight to disk for this long before the store is tried again (default 1 s). */
  retryMs?: number;
  log?: LogLine;
}

/** How the recorder reports: one line, and how much it matters (info when not given). */
export type LogLine = (line: string, level?: 'info' | 'warn' | 'error') => void;

export class EventRecorder {
  readonly #sink: EventSink;
  readonly #spillFile: string;
  readonly #replayFile: string;
  readonly #batchSize: number;
  readonly #maxQueue: number;
  readonly #writeTimeoutMs: number;
  readonly #retryMs: number;
  readonly #log: LogLine;
  readonly #timer: NodeJS.Timeout;
  #queue: EventRow[] = [];
  #busy: Promise<void> = Promise.resolve();
  /** Spills of an overfull queue, made outside the flush order; a flush waits for them. */
  #overflow: Promise<void> = Promise.resolve();
  #storeFailing = false;
  /** While the store is failing, it is tried again no sooner than this (epoch ms). */
  #retryAt = 0;
  #spilledBytes = 0;
  #dropped = 0;
  #written = 0;

  constructor(options: RecorderOptions) {
    this.#sink = options.sink;
    this.#spillFile = options.spillFile;
    this.#replayFile = `${options.spillFile}.replaying`;
    this.#batchSize = options.batchSize ?? 500;
    this.#maxQueue = options.maxQueue ?? 20_000;
    this.#writeTimeoutMs = options.writeTimeoutMs ?? 10_000;
    this.#retryMs = options.retryMs ?? 1_000;
    this.#log = options.log ?? (() => {});
    this.#timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 50);
    this.#timer.unref();
  }

  /** Called once per request, in its finally: O(1), no I/O on the caller's time. */
  record(row: EventRow): void {
    this.#queue.push(row);
    if (this.#queue.length > this.#maxQueue) {
      // The store is slow or hung and a flush is still waiting on it: memory stays bounded, the
      // excess goes to disk now (appends to the spill file are safe beside a replay in progress).
      const rows = this.#take();
      if (this.#spilledBytes === 0)
        this.#log(`request log: the store is behind; spilling to ${this.#spillFile}`, 'warn');
      this.#overflow = this.#overflow.then(() => this.#spill(rows));
    } else if (this.#queue.length >= this.#batchSize) void this.flush();
  }

  stats(): RecorderStats {
    return {
      queued: this.#queue.length,
      spilledBytes: this.#spilledBytes,
      dropped: this.#dropped,
      written: this.#written,
    };
  }

  /** Replays what an earlier run left in the spill file (after a crash, say). */
  async start(): Promise<void> {
    this.#spilledBytes = (await sizeOf(this.#spillFile)) + (await sizeOf(this.#replayFile));
    await this.#serial(() => this.#replay());
  }

  /** Writes what is queued now; one flush runs at a time. */
  flush(): Promise<void> {
    return this.#serial(async () => {
      await this.#overflow;
      if (this.#queue.length === 0 && this.#spilledBytes === 0) return;
      // A failing store is given a second between tries; meanwhile events go straight to disk.
      if (this.#storeFailing && Date.now() < this.#retryAt) {
        await this.#spill(this.#take());
        return;
      }
      if (this.#spilledBytes > 0 && !(await this.#replay())) {
        await this.#spill(this.#take());
        return;
      }
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#batchSize);
        if (!(await this.#write(batch))) {
          await this.#spill([...batch, ...this.#take()]);
          return;
        }
        // Requests waiting on the event loop are served between batches.
        if (this.#queue.length > 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }).then(() => {
      // A sink that cannot keep up must not grow memory: the excess waits on disk instead.
      if (this.#queue.length > this.#maxQueue) return this.#serial(() => this.#spill(this.#take()));
    });
  }

  /** Drains the queue (to the store, or to the spill file) and stops the timer. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#retryAt = 0; // one last try of the store before going
    await this.flush();
  }

  #take(): EventRow[] {
    const all = this.#queue;
    this.#queue = [];
    return all;
  }

  #serial(task: () => Promise<unknown>): Promise<void> {
    const run = this.#busy.then(task).then(
      () => undefined,
      (err: unknown) => this.#log(`request log: ${(err as Error).message}`, 'error'),
    );
    this.#busy = run;
    return run;
  }

  async #write(rows: EventRow[]): Promise<boolean> {
    const timer = new AbortController();
    try {
      // A store that accepts but never answers counts as failing; the write, should it land
      // after all, is harmless: the replay of the same rows is skipped by their ids.
      await Promise.race([
        this.#sink.write(rows).finally(() => timer.abort()),
        sleep(this.#writeTimeoutMs, undefined, { ref: false, signal: timer.signal }).then(() => {
          throw new Error(`no answer within ${this.#writeTimeoutMs} ms`);
        }),
      ]);
      this.#written += rows.length;
      if (this.#storeFailing) this.#log('request log: the store answers again');
      this.#storeFailing = false;
      return true;
    } catch (err) {
      if (!this.#storeFailing)
        this.#log(
          `request log: the store failed (${(err as Error).message}); spilling to ${this.#spillFile}`,
          'warn',
        );
      this.#storeFailing = true;
      this.#retryAt = Date.now() + this.#retryMs;
      return false;
    }
  }

  async #spill(rows: EventRow[]): Promise<void> {
    if (rows.length === 0) return;
    const text = `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;
    try {
      await mkdir(dirname(this.#spillFile), { recursive: true });
      await appendFile(this.#spillFile, text);
      this.#spilledBytes += Buffer.byteLength(text);
    } catch (err) {
      this.#dropped += rows.length;
      this.#log(
        `request log: ${rows.length} events lost, the spill file failed: ${(err as Error).message}`,
        'error',
      );
    }
  }

  /** Writes everything spilled to the store. True when nothing is left on disk. */
  async #replay(): Promise<boolean> {
    // New spills may land while a generation is replayed; each round takes the file as it is.
    for (let round = 0; round < 3; round++) {
      if (!(await this.#replayGeneration())) return false;
      if (this.#spilledBytes === 0) return true;
    }
    return this.#spilledBytes === 0;
  }

  /** Moves the spill file aside, writes it to the store, deletes it. False when the store failed. */
  async #replayGeneration(): Promise<boolean> {
    if (!(await exists(this.#replayFile))) {
      if (!(await exists(this.#spillFile))) {
        this.#spilledBytes = 0;
        return true;
      }
      await rename(this.#spillFile, this.#replayFile);
    }
    const lines = (await readFile(this.#replayFile, 'utf8')).split('\n').filter((line) => line.trim() !== '');
    const rows: EventRow[] = [];
    for (const line of lines) {
      try {
        rows.push(JSON.parse(line) as EventRow);
      } catch {
        // A line cut short by a crash mid-append: the rest of the file is still good.
      }
    }
    for (let i = 0; i < rows.length; i += this.#batchSize) {
      if (!(await this.#write(rows.slice(i, i + this.#batchSize)))) return false;
    }
    await rm(this.#replayFile, { force: true });
    this.#spilledBytes = (await sizeOf(this.#spillFile)) + (await sizeOf(this.#replayFile));
    if (rows.length > 0) this.#log(`request log: replayed ${rows.length} spilled events`);
    return true;
  }
}

function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}
