// What GET /admin/guardrails/verdicts costs on a big request log: N synthetic events over 30 days
// (bench/synthetic-events.ts), every one checked by a PII guardrail (input and output verdicts,
// mostly passed) and a shadow-mode injection check, a few percent redacted, blocked, warned or
// shadow-blocked, written straight into a store; then the report's queries, timed (median of 5
// after one warm-up). SQLite by default; --postgres <url> for a PostgreSQL database.
//   node bench/guardrail-verdicts.ts [--events 1000000] [--postgres postgres://…/db]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { queryVerdicts, type VerdictInput } from '../src/admin/guardrail-verdicts.ts';
import { openDatabase } from '../src/store/index.ts';
import type { EventRow } from '../src/telemetry/recorder.ts';
import { syntheticEvents } from './synthetic-events.ts';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    postgres: { type: 'string' },
    /** Keep the SQLite file (its path is printed) to look at the query plans afterwards. */
    keep: { type: 'boolean', default: false },
  },
});
const count = Number(args.events);
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-verdicts-bench-'));
const url = args.postgres ?? `sqlite:${join(dir, 'store.db')}`;
const database = await openDatabase(url);

/** A seeded spread of verdicts: the same events get the same verdicts on every run. */
let seed = 7;
const rand = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const verdict = (guardrail: string, phase: string, action: string, mode = 'enforce') => ({
  guardrail,
  phase,
  action,
  mode,
  entities: action === 'passed' ? [] : ['email'],
  // Varied as real checks are, so that no store can reuse a parse of an identical text.
  latencyMs: Math.round(rand() * 300) / 100,
});
function verdictsOf(): string {
  const r = rand();
  const input = r < 0.03 ? 'redacted' : r < 0.035 ? 'blocked' : r < 0.04 ? 'warned' : 'passed';
  const list = [verdict('no-pii', 'input', input)];
  if (input !== 'blocked') list.push(verdict('no-pii', 'output', 'passed'));
  list.push(verdict('injection', 'input', rand() < 0.02 ? 'blocked' : 'passed', 'shadow'));
  return JSON.stringify(list);
}

const end = Date.now();
let chunk: EventRow[] = [];
const flush = async () => {
  const rows = chunk;
  chunk = [];
  await database.db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += 200)
      await trx
        .insertInto('request_events')
        .values(rows.slice(i, i + 200))
        .execute();
  });
};
let seen = 0;
for (const event of syntheticEvents({ count, end })) {
  chunk.push({ ...event, guardrails: verdictsOf() });
  if (chunk.length === 20_000) await flush();
  if (++seen % 200_000 === 0) log(`${seen} events stored`);
}
await flush();
await sql`ANALYZE`.execute(database.db);

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const shapes: Array<[string, Partial<VerdictInput>]> = [
  ['since=24h&bucket=hour (by guardrail)', { since: '24h', bucket: 'hour' }],
  ['since=7d&bucket=day (by guardrail)', { since: '7d', bucket: 'day' }],
  ['since=7d&bucket=day&by=team', { since: '7d', bucket: 'day', by: 'team' }],
  ['since=7d&bucket=day&action=blocked', { since: '7d', bucket: 'day', action: 'blocked' }],
  ['since=30d&bucket=day (by guardrail)', { since: '30d', bucket: 'day' }],
];
const team = (
  await database.db
    .selectFrom('request_events')
    .select('team_id')
    .groupBy('team_id')
    .orderBy(sql`count(*)`, 'desc')
    .limit(1)
    .executeTakeFirstOrThrow()
).team_id!;
shapes.push(['since=7d&bucket=day&team=<largest team>', { since: '7d', bucket: 'day', team }]);
console.log(`\n${count} events over 30 days on ${args.postgres ? 'PostgreSQL' : 'SQLite'}\n`);
console.log('| query | median |\n| --- | ---: |');
for (const [name, shape] of shapes) {
  const input = { bucket: 'day', ...shape } as VerdictInput;
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    const started = performance.now();
    await queryVerdicts(database.db, input);
    if (i > 0) times.push(performance.now() - started);
  }
  console.log(`| \`${name}\` | ${Math.round(median(times))} ms |`);
}
await database.close();
if (args.keep) console.log(`\nKept: ${url}`);
else rmSync(dir, { recursive: true, force: true });
