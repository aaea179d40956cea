// The background checkpointer's thread: its own connection to one SQLite file, copying the WAL into
// the database every few hundred milliseconds. PASSIVE never waits for the gateway's readers or
// writer, and never makes them wait.
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

const { file, everyMs } = workerData as { file: string; everyMs: number };
const database = new DatabaseSync(file);
database.exec('PRAGMA busy_timeout = 1000');
const checkpoint = database.prepare('PRAGMA wal_checkpoint(PASSIVE)');
let failed = false;
const timer = setInterval(() => {
  try {
    checkpoint.get();
    failed = false;
  } catch (err) {
    // Reported once per run of failures; the next success ends the run.
    if (!failed) parentPort?.postMessage((err as Error).message);
    failed = true;
  }
}, everyMs);
parentPort?.once('message', () => {
  clearInterval(timer);
  database.close();
  parentPort?.close();
});
