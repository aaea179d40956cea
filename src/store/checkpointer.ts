// SQLite in WAL mode copies the log back into the database file (a checkpoint) on the commit that
// finds the WAL over 1,000 pages. That copy runs on the committing thread: for the gateway, the event
// loop, stopped every few thousand logged requests while every request in flight waits (how long:
// docs/performance.md, "Stalls").
// With server.sqlite_checkpoints: background, a worker thread with its own connection checkpoints
// instead; the gateway's connection keeps a far higher threshold only as a backstop should the
// worker stop.
import type { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';

/** How often the worker checkpoints, and how soon again after one that could not copy everything. */
export const checkpointEveryMs = 1_000;
const catchUpMs = 100;
/** The gateway connection's own threshold while the worker runs: 40 MB of WAL (SQLite's default is 1,000). */
export const backstopPages = 10_000;

// The worker's module sits beside this one: .ts when run from source, .js when compiled.
const workerUrl = new URL(`./checkpoint-worker${import.meta.url.slice(-3)}`, import.meta.url);

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(
  sqlite: DatabaseSync,
  file: string,
  log: (line: string) => void,
  everyMs = checkpointEveryMs,
): Checkpointer {
  sqlite.exec(`PRAGMA wal_autocheckpoint = ${backstopPages}`);
  const worker = new Worker(workerUrl, {
    workerData: { file, everyMs, catchUpMs: Math.min(catchUpMs, everyMs) },
    // A connection and a timer: the smallest heap V8 allows is plenty.
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
  });
  worker.unref();
  let running = true;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (message: string) => log(`SQLite checkpoint of ${file} failed: ${message}`));
  worker.on('error', (err) => {
    if (!running) return;
    running = false;
    // Without the worker, SQLite checkpoints on commit again, as it does by default.
    sqlite.exec('PRAGMA wal_autocheckpoint = 1000');
    log(`SQLite checkpoints of ${file} are back on the event loop: ${err.message}`);
  });
  return {
    async stop() {
      if (!running) return;
      running = false;
      // Held while it closes: an unreferenced worker's exit would not keep the process waiting for it.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
