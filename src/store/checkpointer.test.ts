import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { backstopPages, checkpointEveryMs, startCheckpointer } from './checkpointer.ts';
import { until } from '../../test/helpers/until.ts';
import { openDatabase } from './database.ts';

function tempFile(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-checkpoint-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'db.sqlite');
}

/** Writes about 2 MB in WAL mode: 500 pages, far under the backstop, so only a checkpoint moves them. */
function write(sqlite: DatabaseSync): void {
  sqlite.exec('CREATE TABLE IF NOT EXISTS t (v TEXT)');
  const insert = sqlite.prepare('INSERT INTO t (v) VALUES (?)');
  for (let batch = 0; batch < 20; batch++) {
    sqlite.exec('BEGIN');
    for (let i = 0; i < 100; i++) insert.run('x'.repeat(1000));
    sqlite.exec('COMMIT');
  }
}

const walThreshold = (sqlite: DatabaseSync | undefined) =>
  sqlite?.prepare('PRAGMA wal_autocheckpoint').get()?.wal_autocheckpoint;

test('the worker copies the WAL into the database file while the connection does not', async (t) => {
  const file = tempFile(t);
  const sqlite = new DatabaseSync(file);
  sqlite.exec('PRAGMA journal_mode = WAL');
  const lines: string[] = [];
  const checkpointer = startCheckpointer(sqlite, file, (line) => lines.push(line));
  try {
    assert.equal(walThreshold(sqlite), backstopPages);
    write(sqlite);
    const copied = await until(() => statSync(file).size > 2_000_000, 20 * checkpointEveryMs);
    assert.ok(
      copied,
      `the database file is ${statSync(file).size} bytes; the rows are still only in the WAL`,
    );
  } finally {
    await checkpointer.stop();
    await checkpointer.stop(); // a second stop is harmless
    sqlite.close();
  }
  assert.deepEqual(lines, []);
});

test('under steady writes the WAL is started over, not grown', async (t) => {
  const file = tempFile(t);
  const sqlite = new DatabaseSync(file);
  sqlite.exec('PRAGMA journal_mode = WAL; CREATE TABLE t (v TEXT)');
  const checkpointer = startCheckpointer(sqlite, file, () => {}, 20);
  const insert = sqlite.prepare('INSERT INTO t (v) VALUES (?)');
  await sleep(300); // the worker's start
  try {
    // 100 transactions of 100 KB, 10 MB in all, 5 ms apart. Were the WAL never started over it
    // would hold all of it; measured, it stays near 2 MB.
    for (let batch = 0; batch < 100; batch++) {
      sqlite.exec('BEGIN');
      for (let i = 0; i < 100; i++) insert.run('x'.repeat(1000));
      sqlite.exec('COMMIT');
      await sleep(5);
      // Each megabyte, give the worker until the database file holds what was written: on a busy
      // machine its thread can be starved of CPU for longer than the writes take, and the WAL then
      // grows for want of a turn, not for want of a restart. A worker that copies but never lets the
      // WAL start over still fails below.
      if (batch % 10 === 9) await until(() => statSync(file).size >= (batch + 1) * 100_000, 2_000);
    }
    const wal = statSync(`${file}-wal`).size;
    assert.ok(wal < 5_000_000, `the WAL grew to ${wal} bytes`);
  } finally {
    await checkpointer.stop();
    sqlite.close();
  }
});

test('without the worker, the same writes stay in the WAL: the test above can fail', (t) => {
  const file = tempFile(t);
  const sqlite = new DatabaseSync(file);
  sqlite.exec(`PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = ${backstopPages}`);
  write(sqlite);
  assert.ok(statSync(file).size < 100_000);
  sqlite.close();
});

test('a gateway database checkpoints in the background and closes its worker; :memory: has none', async (t) => {
  const file = tempFile(t);
  const database = await openDatabase(`sqlite:${file}`, { backgroundCheckpoints: { log: () => {} } });
  assert.equal(walThreshold(database.sqlite), backstopPages);
  await database.close();
  const memory = await openDatabase('sqlite::memory:', { backgroundCheckpoints: { log: () => {} } });
  assert.equal(walThreshold(memory.sqlite), 1000);
  await memory.close();
});

test('closing the database lets a process with nothing else to do exit normally', (t) => {
  const file = tempFile(t);
  const module = new URL('./database.ts', import.meta.url).href;
  const script = `import { openDatabase } from ${JSON.stringify(module)};
const database = await openDatabase(${JSON.stringify(`sqlite:${file}`)}, { backgroundCheckpoints: { log: console.log } });
await database.close();
console.log('closed');`;
  // An unsettled top-level await (the worker's exit never observed) would end the process with 13.
  const output = execFileSync(process.execPath, ['--input-type=module', '--no-warnings', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(output.trim(), 'closed');
});
