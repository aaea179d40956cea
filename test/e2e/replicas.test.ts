// Three gateway processes sharing PostgreSQL and Redis, with no load balancer: the test spreads its
// requests across them. Budgets, rate limits and concurrency limits must hold for the whole fleet.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RunningGatehouse, startGatehouse } from '../helpers/cli.ts';
import { freshPostgres } from '../helpers/database.ts';
import { redisUrl } from '../helpers/redis.ts';
import { countedCompletion } from '../upstreams/server.ts';

const redis = await redisUrl();
const postgres = await freshPostgres();
const skip = postgres.skip ?? (redis ? false : 'Redis is not running on 127.0.0.1:6379; skipping');
const masterKey = 'gh-replica-test-master';

// Each call costs exactly one cent: the mock counts "hello" as 3 input tokens, priced here at
// $3333.33 per million (output is free), and the reservation equals the charge.
const centPerCall = { input_per_mtok: 10_000 / 3, output_per_mtok: 0 };

describe('three replicas sharing PostgreSQL and Redis', { skip }, () => {
  const replicas: RunningGatehouse[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const upstream = createServer(async (req, res) => {
    for await (const _ of req) {
      // drain the body
    }
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 150));
    inFlight--;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(countedCompletion);
  });

  before(async () => {
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
    const cwd = mkdtempSync(join(tmpdir(), 'gatehouse-replicas-'));
    writeFileSync(
      join(cwd, 'gatehouse.yaml'),
      JSON.stringify({
        // Exact admission is the point here, so a burst that makes the loop run late is not shed.
        server: { max_event_loop_lag_ms: 0 },
        providers: { mock: { type: 'mock' }, counted: { type: 'openai-compatible', base_url: upstreamUrl } },
        models: {
          'mock-fast': { targets: [{ provider: 'mock', model: 'mock-fast' }] },
          counted: { targets: [{ provider: 'counted', model: 'counted' }] },
        },
        prices: { 'mock-fast': centPerCall },
      }),
    );
    const env = {
      GATEHOUSE_DATABASE_URL: postgres.url!,
      GATEHOUSE_REDIS_URL: redis!,
      GATEHOUSE_MASTER_KEY: masterKey,
    };
    // Started one after the other so that only the first applies the migrations.
    for (let i = 0; i < 3; i++)
      replicas.push(await startGatehouse(['--config', 'gatehouse.yaml'], { cwd, env }));
    assert.equal((await admin('POST', '/admin/teams', { name: 'fleet' })).status, 201);
  });

  after(async () => {
    for (const replica of replicas) replica.process.kill('SIGKILL');
    upstream.close();
    await postgres.drop();
  });

  async function admin(method: string, path: string, body?: unknown) {
    const res = await fetch(replicas[0]!.url + path, {
      method,
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  /** Sends `count` requests at once, spread round-robin over the replicas; returns the statuses. */
  async function burst(key: string, count: number, model = 'mock-fast'): Promise<number[]> {
    return Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const res = await fetch(`${replicas[i % replicas.length]!.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model, max_tokens: 20, messages: [{ role: 'user', content: 'hello' }] }),
        });
        await res.arrayBuffer();
        return res.status;
      }),
    );
  }

  test('a $1.00 budget admits exactly 100 one-cent calls out of 300 concurrent ones', async () => {
    const created = await admin('POST', '/admin/keys', {
      name: 'budgeted',
      team: 'fleet',
      budget: { usd: 1, period: 'total' },
    });
    assert.equal(created.status, 201);
    const statuses = await burst(created.body.key, 300);
    assert.equal(statuses.filter((s) => s === 200).length, 100);
    assert.equal(statuses.filter((s) => s === 429).length, 200);
    // Each replica writes its settled spend to the store once a second.
    let spend = await admin('GET', `/admin/keys/${created.body.id}/spend`);
    for (let i = 0; i < 40 && Math.abs(spend.body.spent_usd - 1.0) >= 1e-6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      spend = await admin('GET', `/admin/keys/${created.body.id}/spend`);
    }
    assert.ok(spend.body.spent_usd <= 1.0 + 0.01 + 1e-9, `spent ${spend.body.spent_usd}`);
    assert.ok(
      Math.abs(spend.body.spent_usd - 1.0) < 1e-6,
      `settled spend is what was admitted: ${spend.body.spent_usd}`,
    );
  });

  test('60 requests per minute across the fleet admit 60 of 100', async () => {
    // Fixed one-minute windows: keep the burst clear of a window boundary.
    while (Date.now() % 60_000 > 55_000) await new Promise((resolve) => setTimeout(resolve, 200));
    const created = await admin('POST', '/admin/keys', { name: 'rpm', team: 'fleet', limits: { rpm: 60 } });
    const statuses = await burst(created.body.key, 100);
    assert.equal(statuses.filter((s) => s === 200).length, 60);
  });

  test('a concurrency limit of 4 never lets a fifth request reach the upstream', async () => {
    const created = await admin('POST', '/admin/keys', {
      name: 'narrow',
      team: 'fleet',
      limits: { concurrency: 4 },
    });
    maxInFlight = 0;
    const statuses = await burst(created.body.key, 40, 'counted');
    assert.ok(statuses.filter((s) => s === 200).length >= 4);
    assert.ok(maxInFlight <= 4, `the upstream saw ${maxInFlight} in flight`);
    assert.ok(maxInFlight >= 2, 'the requests did overlap');
  });
});
