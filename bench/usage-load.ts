// Usage reports at scale, quickly: N synthetic events are summed into the rollups by the writer's
// own aggregation (rollupRows, through addToRollups, one day at a time) without storing the events
// themselves, then every usage query shape is timed (median of 5) and explained. events-load.ts
// measures the whole writer; this isolates what usage reports read, which is the rollups only.
//   node bench/usage-load.ts --store sqlite|postgres [--events 10000000]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { queryUsage } from '../src/admin/usage.ts';
import { openDatabase } from '../src/store/index.ts';
import type { EventRow } from '../src/telemetry/recorder.ts';
import { addToRollups } from '../src/telemetry/rollups.ts';
import { freshPostgres } from '../test/helpers/database.ts';
import {
  catalog,
  explain,
  fullScans,
  queryShapes,
  sentQueries,
  syntheticEvents,
  tableOf,
} from './synthetic-events.ts';

const { values: args } = parseArgs({
  options: { store: { type: 'string' }, events: { type: 'string', default: '10000000' } },
});
const store = args.store;
if (store !== 'sqlite' && store !== 'postgres') {
  console.error('usage: node bench/usage-load.ts --store sqlite|postgres [--events N]');
  process.exit(2);
}
const count = Number(args.events);
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-usage-bench-'));
const postgres = store === 'postgres' ? await freshPostgres() : undefined;
const database = await openDatabase(postgres?.url ?? `sqlite:${join(dir, 'usage.db')}`);
const end = Date.now();
const started = performance.now();
let chunk: EventRow[] = [];
let day = -1;
let probe: EventRow | undefined;
const flush = async () => {
  if (chunk.length === 0) return;
  const rows = chunk;
  chunk = [];
  await database.db.transaction().execute((trx) => addToRollups(trx, rows));
};
let seen = 0;
for (const event of syntheticEvents({ count, end })) {
  probe ??= event;
  const eventDay = Math.floor(event.received_at / 86_400_000);
  if (eventDay !== day) {
    await flush();
    day = eventDay;
  }
  chunk.push(event);
  if (++seen % 1_000_000 === 0) log(`${seen} events summed`);
}
await flush();
const loadSeconds = (performance.now() - started) / 1000;
const size = async (table: 'usage_hourly' | 'usage_daily' | 'usage_hourly_tags' | 'usage_daily_tags') =>
  Number(
    (await database.db.selectFrom(table).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n,
  );
const sizes = {
  usage_hourly: await size('usage_hourly'),
  usage_daily: await size('usage_daily'),
  usage_hourly_tags: await size('usage_hourly_tags'),
  usage_daily_tags: await size('usage_daily_tags'),
};
await sql`ANALYZE`.execute(database.db);
log(`${count} events into rollups in ${loadSeconds.toFixed(0)} s; rows ${JSON.stringify(sizes)}`);

const lines: string[] = [];
for (const shape of queryShapes(catalog(), end, probe!)) {
  if (shape.api !== 'usage') continue;
  const runs: number[] = [];
  let rows = 0;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    rows = ((await queryUsage(database.db, shape.query)) as { data: unknown[] }).data.length;
    runs.push(performance.now() - t);
  }
  runs.sort((a, b) => a - b);
  const table = tableOf(shape);
  const [query] = await sentQueries(database.db, table, (db) => queryUsage(db, shape.query));
  const plan = query ? await explain(database.db, store, query) : [];
  const scans = fullScans(plan, [table]);
  const verdict = scans.length > 0 ? `full scan of ${table} ⚠` : `${table}, by index`;
  lines.push(`| ${shape.name} | ${runs[2]!.toFixed(1)} | ${rows} | ${verdict} |`);
  log(`${shape.name}: ${runs[2]!.toFixed(1)} ms median, ${rows} rows, ${verdict}`);
}
const report = [
  `# Usage reports over ${count.toLocaleString('en')} events: ${store}`,
  '',
  `Rollups built from ${count.toLocaleString('en')} synthetic events (30 days) in ${loadSeconds.toFixed(0)} s. Rows: ${Object.entries(
    sizes,
  )
    .map(([t, n]) => `${t} ${n.toLocaleString('en')}`)
    .join(', ')}.`,
  '',
  '| query | median ms (of 5) | rows | plan |',
  '| --- | ---: | ---: | --- |',
  ...lines,
  '',
].join('\n');
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
const file = join(import.meta.dirname, 'results', `usage-${store}-${count}.md`);
writeFileSync(file, report);
log(`wrote ${file}`);
await database.close();
await postgres?.drop();
rmSync(dir, { recursive: true, force: true });
