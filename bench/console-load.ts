// The console's first view on a big store: N synthetic events are written straight into a SQLite
// store (the request log and its rollups, as the event writer would leave them), a gateway serves
// it, and Debian's chromium opens the overview. Prints the overview's API calls' times and the time
// from navigation until the charts are drawn (median of 5 loads, after one warm-up).
//   node bench/console-load.ts [--events 1000000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { parseConfig } from '../src/config/index.ts';
import { startGateway } from '../src/server/index.ts';
import { openDatabase } from '../src/store/index.ts';
import type { EventRow } from '../src/telemetry/recorder.ts';
import { addToRollups } from '../src/telemetry/rollups.ts';
import { launchBrowser } from '../test/helpers/browser.ts';
import { mockOnlyConfig } from '../test/helpers/gateway.ts';
import { syntheticEvents } from './synthetic-events.ts';

const { values: args } = parseArgs({ options: { events: { type: 'string', default: '1000000' } } });
const count = Number(args.events);
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-console-bench-'));
const url = `sqlite:${join(dir, 'store.db')}`;
const database = await openDatabase(url);
const end = Date.now();
let chunk: EventRow[] = [];
const flush = async () => {
  const rows = chunk;
  chunk = [];
  await database.db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += 200) await trx.insertInto('request_events').values(rows.slice(i, i + 200)).execute();
    await addToRollups(trx, rows);
  });
};
let seen = 0;
for (const event of syntheticEvents({ count, end })) {
  chunk.push(event);
  if (chunk.length === 20_000) await flush();
  if (++seen % 200_000 === 0) log(`${seen} events stored`);
}
await flush();
await sql`ANALYZE`.execute(database.db);
await database.close();

const masterKey = 'bench-master-key';
const gateway = await startGateway({
  config: parseConfig(mockOnlyConfig, 'bench config', {}),
  databaseUrl: url,
  masterKey,
  port: 0,
  host: '127.0.0.1',
  log: () => {},
  spillDir: dir,
});
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const auth = { authorization: `Bearer ${masterKey}` };
const apiTimes: Record<string, number> = {};
// What the overview asks for (with and without a breakdown), and the logs it drills down to.
for (const path of [
  '/admin/usage?since=7d&bucket=day&by=&limit=1000',
  '/admin/usage?since=24h&bucket=hour&by=team&limit=1000',
  '/admin/budgets?limit=100',
  '/admin/logs?limit=50',
]) {
  const runs: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t = performance.now();
    const res = await fetch(gateway.url + path, { headers: auth });
    await res.text();
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    if (i > 0) runs.push(performance.now() - t);
  }
  apiTimes[path] = median(runs);
  log(`${path}: ${apiTimes[path]!.toFixed(1)} ms median`);
}
const browser = await launchBrowser();
const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
const signIn = await context.request.post(`${gateway.url}/admin/session`, { data: { master_key: masterKey } });
if (!signIn.ok()) throw new Error(`sign-in: ${signIn.status()}`);
const page = await context.newPage();
const loads: number[] = [];
for (let i = 0; i < 6; i++) {
  const t = performance.now();
  await page.goto(`${gateway.url}/ui?range=7d`);
  await page.locator('figure.chart .uplot').first().waitFor();
  await page.locator('.card').first().waitFor();
  if (i > 0) loads.push(performance.now() - t);
}
log(`overview first view (navigation until the charts are drawn): ${median(loads).toFixed(0)} ms median of 5, over ${count.toLocaleString('en')} events`);
await browser.close();
await gateway.stop();
rmSync(dir, { recursive: true, force: true });
