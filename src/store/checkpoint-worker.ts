// The background checkpointer's thread: its own connection to one SQLite file, copying the WAL into
// the database file. PASSIVE never waits for the gateway's readers or writer, and never makes them
// wait. A checkpoint that could not copy everything (the writer appended meanwhile) is followed by
// another soon: SQLite starts the WAL over only once a checkpoint has copied all of it, so one that
// never catches up would let the file grow until the gateway's own backstop checkpoints.
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

const { file, everyMs, catchUpMs } = workerData as { file: string; everyMs: number; catchUpMs: number };
const database = new DatabaseSync(file);
database.exec('PRAGMA busy_timeout = 1000');
const checkpoint = database.prepare('PRAGMA wal_checkpoint(PASSIVE)');
let failed = false;
let timer: NodeJS.Timeout;

function run(): void {
  let next = everyMs;
  try {
    // all() steps the statement to its end, so that it holds no read of the WAL afterwards.
    const [result] = checkpoint.all() as { log: number; checkpointed: number }[];
    if (result && result.checkpointed < result.log) next = catchUpMs;
    failed = false;
  } catch (err) {
    // Reported once per run of failures; the next success ends the run.
    if (!failed) parentPort?.postMessage((err as Error).message);
    failed = true;
  }
  timer = setTimeout(run, next);
}

timer = setTimeout(run, everyMs);
parentPort?.once('message', () => {
  clearTimeout(timer);
  database.close();
  parentPort?.close();
});
