// Usage and log queries stay on indexes as the request log grows: on both stores, synthetic events
// are written through the real writer (EventRecorder → databaseSink, rollups included), the store
// is ANALYZEd, and the plan of each query shape is read for the exact SQL the admin API sends.
// The timings at scale are bench/events-load.ts's job; this guards the indexes behind them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import {
  catalog,
  explain,
  fullScans,
  type QueryShape,
  queryShapes,
  sentQueries,
  syntheticEvents,
  tableOf,
} from '../../bench/synthetic-events.ts';
import { queryLogs } from '../../src/admin/logs.ts';
import { queryUsage } from '../../src/admin/usage.ts';
import { type Database, openDatabase } from '../../src/store/index.ts';
import type { Schema } from '../../src/store/schema.ts';
import { databaseSink } from '../../src/telemetry/events.ts';
import { EventRecorder } from '../../src/telemetry/recorder.ts';
import { bothStores } from '../helpers/database.ts';

const end = Date.UTC(2026, 0, 31);
const count = 20_000;
const events = [...syntheticEvents({ count, end })];
const tables = ['request_events', 'usage_hourly', 'usage_hourly_tags', 'usage_daily', 'usage_daily_tags'];

// Every usage shape, and the log filters that have an index. A tag alone is a LIKE on the tags
// JSON: a walk of the log that only LIMIT ends (bench/events-load.ts reports its cost), so it is
// checked here only beside a team and time range that bound it.
const checked = queryShapes(catalog(), end, events[count / 2]!).filter(
  (shape) => shape.api === 'usage' || !/tag (env|feature)|tag that|cursor/.test(shape.name),
);

const run = (shape: QueryShape) => (db: Kysely<Schema>) =>
  shape.api === 'usage' ? queryUsage(db, shape.query) : queryLogs(db, shape.query);

/** The plan of the exact SQL the shape sends, and what the API answered. */
async function planOf(database: Database, shape: QueryShape): Promise<{ plan: string[]; found: number }> {
  let found = 0;
  const [query] = await sentQueries(database.db, tableOf(shape), async (db) => {
    found = (await run(shape)(db)).data.length;
  });
  assert.ok(query, `${shape.name}: no query read ${tableOf(shape)}`);
  if (database.kind === 'sqlite') return { plan: await explain(database.db, 'sqlite', query), found };
  // PostgreSQL's plan with sequential scans priced out: on tables this small the planner rightly
  // prefers a seq scan, and a 30-day window covers the whole table, so the plain plan says
  // nothing. With enable_seqscan off it still shows `Seq Scan` when no index serves the query,
  // which is the point here: an index exists for it.
  const plan = await database.db.connection().execute(async (conn) => {
    await sql`SET enable_seqscan = off`.execute(conn);
    try {
      return await explain(conn, 'postgres', query);
    } finally {
      await sql`RESET enable_seqscan`.execute(conn);
    }
  });
  return { plan, found };
}

/** A store holding the events, written through the real writer, then ANALYZEd. */
async function filled(url: string, work: string): Promise<Database> {
  const database = await openDatabase(url);
  const recorder = new EventRecorder({
    sink: databaseSink(database),
    spillFile: join(work, 'spill.jsonl'),
    batchSize: 2_000,
  });
  for (let i = 0; i < events.length; i++) {
    recorder.record(events[i]!);
    if ((i + 1) % 5_000 === 0) await recorder.flush();
  }
  await recorder.stop();
  assert.deepEqual(recorder.stats(), { queued: 0, spilledBytes: 0, dropped: 0, written: count });
  await sql`ANALYZE`.execute(database.db);
  return database;
}

const stores = await bothStores();
// Both stores are filled at once (PostgreSQL's share of the work runs in its own process); each
// suite waits for its own.
const work = mkdtempSync(join(tmpdir(), 'gatehouse-plans-'));
const ready = new Map(
  stores.map((store) => {
    const filling = store.url ? filled(store.url, join(work, store.name)) : undefined;
    filling?.catch(() => {}); // reported by the suite that awaits it
    return [store.name, filling];
  }),
);
after(() => rmSync(work, { recursive: true, force: true }));

for (const store of stores) {
  describe(`query plans on ${store.name}`, { skip: store.skip }, () => {
    let database: Database;

    before(async () => {
      database = (await ready.get(store.name))!;
    });

    after(async () => {
      await database?.close();
      await store.drop();
    });

    test('the writer stored every event once, and the rollups add up to them', async () => {
      const stored = await database.db
        .selectFrom('request_events')
        .select(sql<number>`count(*)`.as('n'))
        .executeTakeFirstOrThrow();
      const rolled = await database.db
        .selectFrom('usage_hourly')
        .select(sql<number>`sum(requests)`.as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(stored.n), count);
      assert.equal(Number(rolled.n), count);
    });

    for (const shape of checked) {
      test(`${shape.name}: an index serves it`, async () => {
        const table = tableOf(shape);
        const { plan, found } = await planOf(database, shape);
        // A search seeks an index. An indexed equality (`filter`) is searched on SQLite; PostgreSQL
        // may rightly check a common value while walking the time index backwards, which LIMIT ends.
        const searched = store.name === 'postgres' ? /Index Cond/ : new RegExp(`^\\s*SEARCH ${table} USING `);
        if (shape.expect === 'search' || (shape.expect === 'filter' && store.name === 'sqlite'))
          assert.ok(
            plan.some((line) => searched.test(line)),
            `expected an index search of ${table}:\n${plan.join('\n')}`,
          );
        assert.deepEqual(fullScans(plan, tables), [], `full scan in:\n${plan.join('\n')}`);
        // The shape must also answer: a plan of a query that finds nothing proves little.
        assert.ok(found > 0, `${shape.name} found nothing`);
      });
    }
  });
}
