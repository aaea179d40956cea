// The request log under failure, end to end: the store going away mid-load (PostgreSQL behind a
// TCP proxy that can be cut), a SIGTERM with requests in flight (SQLite file), and a SIGKILL with
// events still spilled on disk. What must hold: no request fails because the log cannot be written,
// and every answered request's event reaches the store exactly once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { Gateway } from '../../src/server/index.ts';
import { type RunningGatehouse, startGatehouse } from '../helpers/cli.ts';
import { freshPostgres } from '../helpers/database.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { serviceAddress, startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

const postgres = await freshPostgres();
const freshDir = (name: string) => mkdtempSync(join(tmpdir(), `gatehouse-${name}-`));
const runId = () => randomBytes(4).toString('hex');

// The recorder appends to request-events.jsonl and, while it tries to replay, moves the file aside
// to request-events.jsonl.replaying: what waits on disk is the two together.
const spillFiles = (dir: string) => [
  join(dir, 'request-events.jsonl'),
  join(dir, 'request-events.jsonl.replaying'),
];

async function spillBytes(dir: string): Promise<number> {
  let total = 0;
  for (const file of spillFiles(dir))
    total += await stat(file).then(
      (s) => s.size,
      () => 0,
    );
  return total;
}

async function spilledIds(dir: string): Promise<string[]> {
  const ids: string[] = [];
  for (const file of spillFiles(dir)) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      try {
        ids.push((JSON.parse(line) as { request_id: string }).request_id);
      } catch {
        // an empty line, or one read while it was being appended: polled again
      }
    }
  }
  return ids;
}

async function spillGauge(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^gatehouse_request_log_spill_bytes (\S+)$/m.exec(text);
  assert.ok(match, 'GET /metrics has gatehouse_request_log_spill_bytes');
  return Number(match[1]);
}

/** Polls until `check` returns something truthy; fails naming what it waited for. */
type Maybe<T> = T | false | undefined;

async function waitFor<T>(
  what: string,
  check: () => Maybe<T> | Promise<Maybe<T>>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** How many times each of `ids` is stored in request_events (read directly, not through the gateway). */
async function storedCounts(databaseUrl: string, ids: string[]): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ request_id: string; n: number }>(
      'select request_id, count(*)::int as n from request_events where request_id = any($1) group by request_id',
      [ids],
    );
    return new Map(rows.map((row) => [row.request_id, row.n]));
  } finally {
    await client.end();
  }
}

const allStoredOnce = (counts: Map<string, number>, ids: string[]) =>
  counts.size === ids.length && ids.every((id) => counts.get(id) === 1);

async function chat(url: string, requestId: string): Promise<number> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${testMasterKey}`,
      'content-type': 'application/json',
      'x-request-id': requestId,
    },
    body: JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: 'hello' }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const stillRunning = (gh: RunningGatehouse | undefined) =>
  gh !== undefined && gh.process.exitCode === null && gh.process.signalCode === null;

describe('the request log when PostgreSQL goes away', { skip: postgres.skip ?? false }, () => {
  let proxy: TcpProxy;

  before(async () => {
    proxy = await startTcpProxy(serviceAddress(postgres.url!));
  });
  after(async () => {
    await proxy?.close();
    await postgres.drop();
  });

  test('a store cut mid-load fails no request, spills, and stores every event once after', async (t) => {
    proxy.restore();
    const spillDir = freshDir('spill');
    const logLines: string[] = [];
    let gateway: Gateway | undefined;
    try {
      gateway = await startTestGateway(mockOnlyConfig, {
        databaseUrl: proxy.proxied(postgres.url!),
        spillDir,
        log: (line) => logLines.push(line),
      });
      const url = gateway.url;
      const run = runId();
      const ids = Array.from({ length: 300 }, (_, i) => `durability-${run}-${i}`);
      const results: Array<{ status: number | string; ms: number; whileCut: boolean }> = [];
      let next = 0;
      let done = 0;
      let storeCut = false;
      let seenWhileCut: { bytes: number; gauge: number } | undefined;

      // Eight callers that never pause; the store is cut and restored underneath them.
      const caller = async () => {
        while (next < ids.length) {
          const i = next++;
          const whileCut = storeCut;
          const started = performance.now();
          const status = await chat(url, ids[i]!).catch((err: Error) => err.message);
          results[i] = { status, ms: performance.now() - started, whileCut };
          done++;
        }
      };
      const operator = async () => {
        await waitFor('100 answered requests', () => done >= 100, 60_000);
        proxy.cut();
        storeCut = true;
        await waitFor('200 answered requests', () => done >= 200, 60_000);
        // The recorder notices on its next flush; the store stays cut (load going on) until it has.
        seenWhileCut = await waitFor('the spill file and gauge to grow while the store is down', async () => {
          const bytes = await spillBytes(spillDir);
          const gauge = await spillGauge(url);
          return bytes > 0 && gauge > 0 && { bytes, gauge };
        });
        proxy.restore();
        storeCut = false;
      };
      await Promise.all([operator(), ...Array.from({ length: 8 }, caller)]);

      const failed = results.flatMap((r, i) => (r.status !== 200 ? [`${ids[i]}: ${r.status}`] : []));
      assert.deepEqual(failed, [], 'no request fails because the store is down');
      assert.ok(seenWhileCut && seenWhileCut.bytes > 0 && seenWhileCut.gauge > 0);
      t.diagnostic(`while cut: ${seenWhileCut.bytes} bytes spilled, gauge ${seenWhileCut.gauge}`);
      for (const whileCut of [false, true]) {
        const ms = results.filter((r) => r.whileCut === whileCut).map((r) => r.ms);
        t.diagnostic(
          `store ${whileCut ? 'cut' : 'up'}: ${ms.length} requests, p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms`,
        );
      }

      const counts = await waitFor('all 300 events in PostgreSQL', async () => {
        const counts = await storedCounts(postgres.url!, ids);
        return allStoredOnce(counts, ids) && counts;
      }).catch(async (err: Error) => {
        const counts = await storedCounts(postgres.url!, ids);
        t.diagnostic(`stored ${counts.size} of ${ids.length}; gateway log:\n${logLines.join('\n')}`);
        throw err;
      });
      assert.equal(counts.size, 300);
      assert.deepEqual(
        ids.filter((id) => counts.get(id) !== 1),
        [],
        'every event stored exactly once',
      );
      // Replayed means gone from disk, and the gauge says so.
      await waitFor('the spill file to be emptied', async () => (await spillBytes(spillDir)) === 0);
      assert.equal(await spillGauge(url), 0);
    } finally {
      proxy.restore();
      await gateway?.stop(0);
    }
  });

  test('events spilled before a SIGKILL are replayed by the next start, once each', async (t) => {
    proxy.restore();
    const cwd = freshDir('sigkill');
    const spillDir = join(cwd, 'spill');
    const env = {
      GATEHOUSE_MASTER_KEY: testMasterKey,
      GATEHOUSE_DATABASE_URL: proxy.proxied(postgres.url!),
      GATEHOUSE_SPILL_DIR: spillDir,
    };
    let first: RunningGatehouse | undefined;
    let second: RunningGatehouse | undefined;
    try {
      first = await startGatehouse([], { cwd, env }); // migrations need the store: cut only after
      const run = runId();
      const ids = Array.from({ length: 40 }, (_, i) => `sigkill-${run}-${i}`);
      proxy.cut();
      const firstUrl = first.url;
      const statuses = await Promise.all(
        ids.map((id) => chat(firstUrl, id).catch((err: Error) => err.message)),
      );
      assert.deepEqual(
        statuses.filter((s) => s !== 200),
        [],
        `every request answered 200 with the store down; gatehouse output:\n${first.output()}`,
      );
      await waitFor('all 40 events in the spill file', async () => {
        const spilled = new Set(await spilledIds(spillDir));
        return ids.every((id) => spilled.has(id));
      });
      first.process.kill('SIGKILL');
      await first.exited;
      assert.equal(first.process.signalCode, 'SIGKILL');
      assert.equal((await storedCounts(postgres.url!, ids)).size, 0, 'nothing reached the store while cut');

      proxy.restore();
      second = await startGatehouse([], { cwd, env });
      const counts = await waitFor('the 40 spilled events in PostgreSQL', async () => {
        const counts = await storedCounts(postgres.url!, ids);
        return allStoredOnce(counts, ids) && counts;
      }).catch(async (err: Error) => {
        const counts = await storedCounts(postgres.url!, ids);
        t.diagnostic(`stored ${counts.size} of ${ids.length}; new gatehouse output:\n${second?.output()}`);
        throw err;
      });
      assert.deepEqual(
        ids.filter((id) => counts.get(id) !== 1),
        [],
        'every event stored exactly once',
      );
      assert.equal(await spillBytes(spillDir), 0, 'the replayed spill file is gone');
      second.process.kill('SIGTERM');
      assert.equal(await second.exited, 0);
    } finally {
      proxy.restore();
      for (const gh of [first, second]) if (stillRunning(gh)) gh!.process.kill('SIGKILL');
    }
  });
});

test('SIGTERM under load: every request that got any answer has its event in the SQLite file', async (t) => {
  const cwd = freshDir('sigterm');
  writeFileSync(
    join(cwd, 'gatehouse.yaml'),
    JSON.stringify({
      providers: { mock: { type: 'mock', latency_ms: 200 } },
      models: { 'mock-fast': { targets: [{ provider: 'mock', model: 'mock-fast' }] } },
    }),
  );
  const databaseFile = join(cwd, 'gatehouse.db');
  const gh = await startGatehouse(['--config', 'gatehouse.yaml'], {
    cwd,
    env: {
      GATEHOUSE_MASTER_KEY: testMasterKey,
      GATEHOUSE_DATABASE_URL: `sqlite:${databaseFile}`,
      GATEHOUSE_SPILL_DIR: join(cwd, 'spill'),
    },
  });
  // 25 connections for 50 requests: half are in flight at the signal, the other half wait for a
  // kept-alive connection and reach a draining gateway (503) or a closed one (no answer at all).
  const agent = new Agent({ keepAlive: true, maxSockets: 25 });
  const { hostname, port } = new URL(gh.url);
  const run = runId();
  const ids = Array.from({ length: 50 }, (_, i) => `sigterm-${run}-${i}`);
  let written = 0;
  try {
    const outcomes = ids.map(
      (id) =>
        new Promise<{ id: string; status?: number; error?: string }>((resolve) => {
          const body = JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: 'hello' }] });
          const req = request(
            {
              agent,
              host: hostname,
              port,
              method: 'POST',
              path: '/v1/chat/completions',
              headers: {
                authorization: `Bearer ${testMasterKey}`,
                'content-type': 'application/json',
                'x-request-id': id,
              },
            },
            (res) => {
              res.resume();
              res.once('end', () => resolve({ id, status: res.statusCode }));
              res.once('error', (err) => resolve({ id, error: err.message }));
            },
          );
          req.once('finish', () => written++);
          req.once('error', (err) => resolve({ id, error: err.message }));
          req.end(body);
        }),
    );
    // Signalled once the first 25 requests are on the wire, well inside the mock's 200 ms.
    await waitFor('25 requests sent', () => written >= 25);
    await new Promise((resolve) => setTimeout(resolve, 50));
    gh.process.kill('SIGTERM');
    const results = await Promise.all(outcomes);
    assert.equal(await gh.exited, 0, gh.output());

    const answered = results.filter((r) => r.status !== undefined);
    const count = (status: number) => answered.filter((r) => r.status === status).length;
    t.diagnostic(
      `200: ${count(200)}, 503: ${count(503)}, no answer: ${results.length - answered.length} (${[...new Set(results.flatMap((r) => r.error ?? []))].join(', ')})`,
    );
    assert.ok(count(200) > 0, 'requests in flight at SIGTERM were finished');
    assert.deepEqual(
      answered.filter((r) => r.status !== 200 && r.status !== 503),
      [],
      'a draining gateway answers 200 (in flight) or 503 (arrived late)',
    );

    const database = new DatabaseSync(databaseFile, { readOnly: true });
    try {
      const rows = database
        .prepare(
          `select request_id, status, error_code from request_events where request_id like 'sigterm-${run}-%'`,
        )
        .all() as Array<{ request_id: string; status: number; error_code: string | null }>;
      const stored = new Map(rows.map((row) => [row.request_id, row]));
      assert.deepEqual(
        answered.filter((r) => stored.get(r.id)?.status !== r.status).map((r) => `${r.id}: ${r.status}`),
        [],
        'every answered request has its event, with the status it was answered with',
      );
      for (const r of answered.filter((r) => r.status === 503))
        assert.equal(stored.get(r.id)?.error_code, 'GH_SHUTTING_DOWN');
    } finally {
      database.close();
    }
  } finally {
    agent.destroy();
    if (stillRunning(gh)) gh.process.kill('SIGKILL');
  }
});
