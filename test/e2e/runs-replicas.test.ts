// Run bounds hold for a fleet: three gateways sharing a fresh PostgreSQL and Redis, with a run's
// calls spread across them. Steps counted by all replicas stop at the bound exactly, cost settled on
// one replica stops the run on another, and the loop breaker sees a row of calls made through
// different replicas; any replica shows the whole run.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { freshPostgres } from '../helpers/database.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { redisUrl } from '../helpers/redis.ts';

const redis = await redisUrl();
const postgres = await freshPostgres();
const skip = postgres.skip ?? (redis ? false : 'Redis is not running on 127.0.0.1:6379; skipping');

describe('run bounds across three replicas sharing PostgreSQL and Redis', { skip }, () => {
  const replicas: Gateway[] = [];

  before(async () => {
    // One after the other, so that only the first applies the migrations.
    for (let i = 0; i < 3; i++)
      replicas.push(await startTestGateway(mockOnlyConfig, { databaseUrl: postgres.url!, redisUrl: redis! }));
    assert.equal((await admin(0, 'POST', '/admin/teams', { name: 'fleet' })).status, 201);
  });
  after(async () => {
    for (const replica of replicas) await replica.stop(0);
    await postgres.drop();
  });

  async function admin(replica: number, method: string, path: string, body?: unknown) {
    const res = await fetch(replicas[replica]!.url + path, {
      method,
      headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  async function key(name: string, run: Record<string, number>) {
    const created = await admin(0, 'POST', '/admin/keys', { name, team: 'fleet', run });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return { id: created.body.id as string, secret: created.body.key as string };
  }

  const clients = (secret: string, runId: string) =>
    replicas.map(
      (replica) =>
        new OpenAI({
          apiKey: secret,
          baseURL: `${replica.url}/v1`,
          maxRetries: 0,
          defaultHeaders: { 'x-gatehouse-run-id': runId },
        }),
    );

  const ask = (client: OpenAI, content: string) =>
    client.chat.completions.create({ model: 'mock-fast', messages: [{ role: 'user', content }] }).then(
      () => 'served',
      (err: unknown) => (err instanceof OpenAI.APIError ? (err.code ?? String(err.status)) : String(err)),
    );

  test('max_steps holds exactly for calls spread over the fleet at once', async () => {
    const agent = await key('burst', { max_steps: 7 });
    const fleet = clients(agent.secret, 'burst-run');
    const outcomes = await Promise.all(Array.from({ length: 21 }, (_, i) => ask(fleet[i % 3]!, `call ${i}`)));
    assert.equal(outcomes.filter((o) => o === 'served').length, 7, outcomes.join(', '));
    assert.equal(outcomes.filter((o) => o === 'run_limit_exceeded').length, 14, outcomes.join(', '));
    // Any replica shows the whole run, from the shared log and the shared counters.
    let run: any;
    for (let i = 0; i < 200; i++) {
      run = (await admin(2, 'GET', `/admin/runs/${agent.id}:burst-run`)).body;
      if (run.timeline?.length === 21) break;
      await sleep(50);
    }
    assert.equal(run.timeline.length, 21);
    assert.equal(run.refused_by_bounds, 14);
    assert.equal(run.state.steps, 7);
  });

  test('cost settled through one replica stops the run on the others', async () => {
    const agent = await key('spender', { max_cost_usd: 0.000001 });
    const [first, second, third] = clients(agent.secret, 'cost-run');
    assert.equal(await ask(first!, 'spend'), 'served');
    assert.equal(await ask(second!, 'more'), 'run_limit_exceeded');
    assert.equal(await ask(third!, 'more'), 'run_limit_exceeded');
  });

  test('the loop breaker counts a row of the same request made through different replicas', async () => {
    const agent = await key('looper', { max_repeats: 2 });
    const [first, second, third] = clients(agent.secret, 'loop-run');
    assert.equal(await ask(first!, 'retry'), 'served');
    assert.equal(await ask(second!, 'retry'), 'served');
    assert.equal(await ask(third!, 'retry'), 'run_limit_exceeded');
    assert.equal(await ask(first!, 'something new'), 'run_limit_exceeded', 'the run stays stopped');
  });
});
