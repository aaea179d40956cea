import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sampleEvent } from '../../test/helpers/events.ts';
import { type EventRow, EventRecorder, type EventSink } from './recorder.ts';

/** A store that keeps rows by request id (as the database does) and can be switched off. */
function flakySink() {
  const stored = new Map<string, EventRow>();
  let up = true;
  let writes = 0;
  const sink: EventSink = {
    async write(rows) {
      writes++;
      if (!up) throw new Error('connection refused');
      for (const row of rows) if (!stored.has(row.id)) stored.set(row.id, row);
    },
  };
  return { sink, stored, setUp: (value: boolean) => (up = value), writes: () => writes };
}

const row = (i: number): EventRow =>
  sampleEvent(`event-${i}`, { request_id: `req-${i}`, received_at: 1_000 + i, provider_model: 'pm' });

const spillFile = () => join(mkdtempSync(join(tmpdir(), 'gatehouse-recorder-')), 'events.jsonl');

test('events are written in batches, off the caller', async () => {
  const { sink, stored, writes } = flakySink();
  const recorder = new EventRecorder({
    sink,
    spillFile: spillFile(),
    batchSize: 100,
    flushIntervalMs: 10_000,
  });
  for (let i = 0; i < 250; i++) recorder.record(row(i));
  await recorder.stop();
  assert.equal(stored.size, 250);
  assert.ok(writes() <= 4, `${writes()} writes for 250 events`);
});

test('while the store is down events spill to disk; when it returns each is stored exactly once', async () => {
  const { sink, stored, setUp } = flakySink();
  const file = spillFile();
  const recorder = new EventRecorder({ sink, spillFile: file, batchSize: 50, flushIntervalMs: 10_000 });
  setUp(false);
  for (let i = 0; i < 500; i++) recorder.record(row(i));
  await recorder.flush();
  assert.equal(stored.size, 0);
  assert.ok(recorder.stats().spilledBytes > 0);
  const onDisk = [file, `${file}.replaying`]
    .filter((f) => existsSync(f))
    .flatMap((f) => readFileSync(f, 'utf8').trim().split('\n'));
  assert.equal(onDisk.length, 500);
  for (let i = 500; i < 600; i++) recorder.record(row(i));
  setUp(true);
  await new Promise((resolve) => setTimeout(resolve, 1_050)); // the pause a failing store is given
  await recorder.flush();
  assert.equal(stored.size, 600);
  await recorder.stop();
  assert.equal(stored.size, 600);
  assert.deepEqual(recorder.stats(), { queued: 0, spilledBytes: 0, dropped: 0, written: 600 });
  assert.ok(!existsSync(file));
});

test('a spill file left by a crash is replayed at start, a torn last line skipped', async () => {
  const { sink, stored } = flakySink();
  const file = spillFile();
  writeFileSync(file, `${[1, 2, 3].map((i) => JSON.stringify(row(i))).join('\n')}\n{"request_id":"torn`);
  const recorder = new EventRecorder({ sink, spillFile: file, flushIntervalMs: 10_000 });
  await recorder.start();
  assert.deepEqual([...stored.keys()].sort(), ['event-1', 'event-2', 'event-3']);
  await recorder.stop();
});

test('a store that cannot keep up sends the excess to disk instead of growing memory', async () => {
  let release!: () => void;
  const stuck = new Promise<void>((resolve) => {
    release = resolve;
  });
  const written: EventRow[] = [];
  const sink: EventSink = {
    async write(rows) {
      await stuck;
      written.push(...rows);
    },
  };
  const recorder = new EventRecorder({
    sink,
    spillFile: spillFile(),
    batchSize: 10,
    maxQueue: 100,
    flushIntervalMs: 10_000,
  });
  for (let i = 0; i < 1_000; i++) recorder.record(row(i));
  assert.ok(recorder.stats().queued <= 100, 'the queue stays within maxQueue');
  release();
  await recorder.stop();
  assert.equal(new Set(written.map((r) => r.id)).size, 1_000, 'every event arrives');
});
