// Load benchmark of the request log: N synthetic events through the real writer (EventRecorder →
// databaseSink, which keeps the hourly rollups in the same transaction), then every usage and log
// query shape an operator runs, timed (median of 5) and explained, with full scans flagged.
//   node bench/events-load.ts --store sqlite|postgres [--events 10000000] [--database-url URL] [--keep]
// Writes bench/results/events-<store>-<date>.md and .json (`--render FILE.json` redraws the .md).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Kysely, sql } from 'kysely';
import { queryLogs } from '../src/admin/logs.ts';
import { queryUsage } from '../src/admin/usage.ts';
import { openDatabase } from '../src/store/index.ts';
import type { Schema } from '../src/store/schema.ts';
import { databaseSink } from '../src/telemetry/events.ts';
import { type EventRow, EventRecorder } from '../src/telemetry/recorder.ts';
import { freshPostgres } from '../test/helpers/database.ts';
import {
  catalog,
  explain,
  fullScans,
  type QueryShape,
  queryShapes,
  sentQueries,
  tableOf,
  syntheticEvents,
} from './synthetic-events.ts';

const { values: args } = parseArgs({
  options: {
    store: { type: 'string' },
    events: { type: 'string', default: '10000000' },
    'database-url': { type: 'string' },
    keep: { type: 'boolean', default: false },
    'batch-size': { type: 'string', default: '2000' },
    'flush-every': { type: 'string', default: '5000' },
    runs: { type: 'string', default: '5' },
    /** Re-renders the Markdown of a saved JSON result, and does nothing else. */
    render: { type: 'string' },
  },
});
if (args.render !== undefined) {
  const saved = JSON.parse(readFileSync(args.render, 'utf8')) as Report;
  writeFileSync(args.render.replace(/\.json$/, '.md'), render(saved));
  process.exit(0);
}
const store = args.store;
if (store !== 'sqlite' && store !== 'postgres') {
  console.error(
    'usage: node bench/events-load.ts --store sqlite|postgres [--events N] [--database-url URL] [--keep]',
  );
  process.exit(2);
}
const count = Number(args.events);
const batchSize = Number(args['batch-size']);
const flushEvery = Number(args['flush-every']);
const runs = Number(args.runs);
const tables = ['request_events', 'usage_hourly', 'usage_hourly_tags', 'usage_daily', 'usage_daily_tags'];
const writerFiles = [
  'src/telemetry/recorder.ts',
  'src/telemetry/events.ts',
  'src/telemetry/rollups.ts',
  'src/telemetry/sqlite-sink.ts',
  'src/store/database.ts',
  'src/store/migrations/002-request-events.ts',
];
const say = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

// The store: a fresh one unless a URL is given; removed at the end unless --keep.
const work = mkdtempSync(join(tmpdir(), 'gatehouse-events-bench-'));
let url = args['database-url'];
let dropStore = async () => {};
if (url === undefined && store === 'sqlite') {
  url = `sqlite:${join(work, 'events.db')}`;
} else if (url === undefined) {
  const fresh = await freshPostgres();
  if (!fresh.url) throw new Error(fresh.skip);
  url = fresh.url;
  dropStore = () => fresh.drop();
}
const database = await openDatabase(url);
const db = database.db;
say(`store ${store} at ${url.replace(/\/\/[^@]*@/, '//')}; writing ${count} events`);

// --- Load: through the real writer, flushed every `flushEvery` events so memory stays bounded.
const end = Date.UTC(2026, 0, 31);
const recorder = new EventRecorder({
  sink: databaseSink(database),
  spillFile: join(work, 'spill.jsonl'),
  batchSize,
  log: (line) => say(line),
});
// The machine is shared: the load average beside each stretch says how contended it was.
const progress: Array<{ events: number; seconds: number; rate: number; loadAverage: number }> = [];
let probe: EventRow | undefined;
const started = performance.now();
let mark = { at: started, events: 0 };
let i = 0;
for (const row of syntheticEvents({ count, end })) {
  recorder.record(row);
  if (++i === Math.floor(count / 2)) probe = row;
  if (i % flushEvery === 0 || i === count) await recorder.flush();
  if (i % 500_000 === 0 || i === count) {
    const now = performance.now();
    const rate = ((i - mark.events) * 1000) / (now - mark.at);
    const loadAverage = Math.round(loadavg()[0]! * 10) / 10;
    progress.push({
      events: i,
      seconds: Math.round((now - started) / 1000),
      rate: Math.round(rate),
      loadAverage,
    });
    say(`${i} events, ${Math.round(rate)} events/s over the last ${i - mark.events}, load ${loadAverage}`);
    mark = { at: now, events: i };
  }
}
await recorder.stop();
const loadSeconds = (performance.now() - started) / 1000;
const stats = recorder.stats();
say(
  `loaded in ${loadSeconds.toFixed(0)} s: ${Math.round(count / loadSeconds)} events/s; ${JSON.stringify(stats)}`,
);

// What was stored must be what was sent, once each, and the rollups must add up to it.
const counted = async (query: Promise<{ n: number | string | bigint | null } | undefined>) =>
  Number((await query)?.n ?? 0);
const stored = {
  request_events: await counted(
    db.selectFrom('request_events').select(sql<number>`count(*)`.as('n')).executeTakeFirst(),
  ),
  usage_hourly: await counted(
    db.selectFrom('usage_hourly').select(sql<number>`count(*)`.as('n')).executeTakeFirst(),
  ),
  usage_hourly_requests: await counted(
    db.selectFrom('usage_hourly').select(sql<number>`sum(requests)`.as('n')).executeTakeFirst(),
  ),
  usage_hourly_tags: await counted(
    db.selectFrom('usage_hourly_tags').select(sql<number>`count(*)`.as('n')).executeTakeFirst(),
  ),
};
const sizeBytes =
  store === 'sqlite'
    ? statSync(url.slice('sqlite:'.length)).size
    : await counted(
        sql<{ n: number }>`select pg_database_size(current_database()) as n`
          .execute(db)
          .then((r) => r.rows[0]),
      );
say(`stored ${JSON.stringify(stored)}, ${(sizeBytes / 2 ** 30).toFixed(2)} GiB`);

// --- Queries: the SQL explained is captured from the very functions the admin API calls.
interface Measured {
  name: string;
  phase: string;
  sql: string;
  plan: string[];
  fullScan: string[];
  verdict: string;
  expected: QueryShape['expect'];
  runsMs: number[];
  medianMs: number | null;
  rows: number;
  error?: string;
}

const call = (shape: QueryShape) => (target: Kysely<Schema>) =>
  shape.api === 'usage' ? queryUsage(target, shape.query) : queryLogs(target, shape.query);

function verdictOf(plan: string[], scans: string[], table: string): string {
  if (scans.length > 0) return 'FULL SCAN';
  if (store === 'sqlite')
    return plan.some((line) => new RegExp(`^\\s*SEARCH ${table}\\b`).test(line))
      ? 'index search'
      : 'ordered index walk';
  return plan.some((line) => /Index Cond/.test(line)) ? 'index search' : 'ordered index walk';
}

async function measure(phase: string): Promise<Measured[]> {
  const out: Measured[] = [];
  for (const shape of queryShapes(catalog(), end, probe!)) {
    const table = tableOf(shape);
    const result: Measured = {
      name: shape.name,
      phase,
      sql: '',
      plan: [],
      fullScan: [],
      verdict: '',
      expected: shape.expect,
      runsMs: [],
      medianMs: null,
      rows: 0,
    };
    try {
      const [query] = await sentQueries(db, table, call(shape));
      if (!query) throw new Error(`no query read ${table}`);
      result.sql = `${query.sql}  -- ${JSON.stringify(query.parameters)}`;
      result.plan = await explain(db, store as 'sqlite' | 'postgres', query);
      result.fullScan = fullScans(result.plan, tables);
      result.verdict = verdictOf(result.plan, result.fullScan, table);
      if (result.fullScan.length > 0 && store === 'postgres') {
        // The planner may rightly read a whole table when the range covers most of it; whether an
        // index could serve the query is asked with sequential scans priced out.
        const alternative = await db.connection().execute(async (conn) => {
          await sql`SET enable_seqscan = off`.execute(conn);
          try {
            return await explain(conn, 'postgres', query);
          } finally {
            await sql`RESET enable_seqscan`.execute(conn);
          }
        });
        const index = alternative
          .join('\n')
          .match(/Index (?:Only )?Scan (?:Backward )?(?:using|on) (\w+)[^\n]*\n\s*Index Cond/);
        if (fullScans(alternative, tables).length === 0 && index)
          result.verdict = `seq scan chosen (${index[1]} serves it when seq scans are off)`;
      }
      for (let run = 0; run < runs; run++) {
        const t0 = performance.now();
        const answer = await call(shape)(db);
        result.runsMs.push(Math.round((performance.now() - t0) * 10) / 10);
        result.rows = answer.data.length;
      }
      const sorted = [...result.runsMs].sort((a, b) => a - b);
      result.medianMs = sorted[Math.floor(sorted.length / 2)]!;
    } catch (err) {
      result.error = (err as Error).message;
    }
    say(
      `${phase} | ${shape.name}: ${result.error ?? `${result.medianMs} ms median, ${result.rows} rows, ${result.verdict}`}`,
    );
    for (const line of result.plan) console.log(`    ${line}`);
    out.push(result);
  }
  return out;
}

const measured: Measured[] = [];
let analyzeSeconds = 0;
if (store === 'sqlite') {
  // Gatehouse never runs ANALYZE on SQLite, so the plans it ships with are these.
  measured.push(...(await measure('sqlite, no ANALYZE (as shipped)')));
}
{
  const t0 = performance.now();
  await sql`ANALYZE`.execute(db);
  analyzeSeconds = (performance.now() - t0) / 1000;
  say(`ANALYZE took ${analyzeSeconds.toFixed(1)} s`);
}
measured.push(...(await measure(`${store}, after ANALYZE`)));

// --- Report.
const storeVersion =
  store === 'sqlite'
    ? (await sql<{ v: string }>`select sqlite_version() as v`.execute(db)).rows[0]!.v
    : (await sql<{ v: string }>`select version() as v`.execute(db)).rows[0]!.v;
const git = (...cmd: string[]) => {
  try {
    return execFileSync('git', cmd, { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
};
const report = {
  store,
  storeVersion,
  date: new Date().toISOString(),
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    commit: git('rev-parse', 'HEAD'),
    uncommittedChanges: git('status', '--porcelain').length > 0,
  },
  // The writer and schema as they were on disk for this run (the working tree may differ from the commit).
  writerFiles: Object.fromEntries(
    writerFiles.map((file) => [
      file,
      existsSync(file)
        ? createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 12)
        : 'absent',
    ]),
  ),
  load: {
    events: count,
    batchSize,
    flushEvery,
    seconds: Math.round(loadSeconds),
    eventsPerSecond: Math.round(count / loadSeconds),
    recorder: stats,
    progress,
  },
  stored,
  sizeBytes,
  analyzeSeconds: Math.round(analyzeSeconds * 10) / 10,
  queries: measured,
};
await database.close();
if (!args.keep) {
  await dropStore();
  rmSync(work, { recursive: true, force: true });
} else say(`kept the store at ${url}`);

const results = join(import.meta.dirname, 'results');
mkdirSync(results, { recursive: true });
// A run of other than the default 10M events says its size in the name, so it replaces nothing.
const size = count === 10_000_000 ? '' : `-${count >= 1_000_000 ? `${count / 1_000_000}M` : count}`;
const base = join(results, `events-${store}-${report.date.slice(0, 10)}${size}`);
writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(`${base}.md`, render(report));
say(`wrote ${base}.md and .json`);

type Report = typeof report;

/** The plan as a reader needs it: what it reads, and a ⚠ where that is the whole table. */
function planCell(m: Measured): string {
  if (m.error) return `error: ${m.error}`;
  if (m.verdict === 'FULL SCAN') return 'FULL SCAN ⚠';
  // Every log shape asks for a page of 100: a walk that returned fewer never met its LIMIT, so it
  // went through the whole log.
  if (m.verdict === 'ordered index walk' && m.name.startsWith('logs') && m.rows < 100)
    return 'ordered index walk to the end: reads every row ⚠';
  return m.verdict;
}

function render(report: Report): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const { load, stored, machine } = report;
  const lines = [
    `# Request log at ${n(load.events)} events: ${report.store}`,
    '',
    `${report.date.slice(0, 10)} · ${machine.cpu} × ${machine.cores} cores · Node ${machine.node} · ${report.storeVersion.split(' on ')[0]} · commit ${machine.commit.slice(0, 10)}${machine.uncommittedChanges ? ' (with uncommitted changes)' : ''}`,
    '',
    '## Load through EventRecorder → databaseSink',
    '',
    `${n(load.events)} events over 30 days (batch ${load.batchSize}, flush every ${load.flushEvery}) in ${load.seconds} s: **${n(load.eventsPerSecond)} events/s**. Recorder: ${JSON.stringify(load.recorder)}.`,
    '',
    stored.request_events === load.events && stored.usage_hourly_requests === load.events
      ? 'Every event was stored once, and the rollups add up to the same number of requests.'
      : `⚠ Stored ${n(stored.request_events)} events and rolled up ${n(stored.usage_hourly_requests)} requests for ${n(load.events)} sent.`,
    '',
    `Stored: ${n(stored.request_events)} events; usage_hourly ${n(stored.usage_hourly)} rows summing ${n(stored.usage_hourly_requests)} requests; usage_hourly_tags ${n(stored.usage_hourly_tags)} rows. Store size ${(report.sizeBytes / 2 ** 30).toFixed(2)} GiB. ANALYZE ${report.analyzeSeconds} s.`,
    '',
    '| events written | events/s in that stretch | load average (2 cores, shared) |',
    '| ---: | ---: | ---: |',
    ...load.progress.map((p) => `| ${n(p.events)} | ${n(p.rate)} | ${p.loadAverage} |`),
    '',
    '## Queries',
    '',
    'Each query is the admin API function (queryUsage / queryLogs) called in-process, timed end to end.',
    '',
    '| phase | query | median ms | min–max ms | rows | plan |',
    '| --- | --- | ---: | ---: | ---: | --- |',
    ...report.queries.map(
      (m) =>
        `| ${m.phase} | ${m.name} | ${m.medianMs ?? 'error'} | ${m.runsMs.length > 0 ? `${Math.min(...m.runsMs)}–${Math.max(...m.runsMs)}` : ''} | ${m.rows} | ${planCell(m)} |`,
    ),
    '',
    'Reading the plan column:',
    '',
    '- *index search*: the store seeks an index on the filter or time range and reads only what matches.',
    '- *ordered index walk*: the store walks the received_at index newest first and checks the filter on each row until LIMIT is met. Cheap when matches are common; every row when nothing matches (flagged); for a cursor page, every row newer than the cursor, since the cursor predicate (`received_at < ? OR (received_at = ? AND id < ?)`) gives no range to seek.',
    '- *seq scan chosen*: PostgreSQL reads the whole rollup table because the window covers most of it; the index named serves the query when sequential scans are priced out.',
    '- A usage query reads every rollup row in its window; its time follows the number of usage_hourly rows (one per hour × team × key × user × model × provider that saw traffic), not the number of events.',
    '',
    '## Plans',
    '',
    ...report.queries.flatMap((m) => [
      `### ${m.name} (${m.phase})`,
      '',
      '```sql',
      m.sql,
      '```',
      '',
      '```',
      ...m.plan,
      '```',
      '',
    ]),
  ];
  return `${lines.join('\n')}\n`;
}
