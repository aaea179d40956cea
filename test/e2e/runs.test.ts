// Agent runs on model calls, end to end through the official SDKs: the run header ties calls
// together; steps, cost and duration bounds refuse the call past them in the caller's envelope with
// run_limit_exceeded naming the bound; the loop breaker stops a run repeating one request; runs are
// per key; and /admin/runs shows each run's timeline.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { mockOnlyConfig, startTestGateway } from '../helpers/gateway.ts';

let gateway: Gateway;
const admin = adminClient(() => gateway);

before(async () => {
  gateway = await startTestGateway(mockOnlyConfig);
  assert.equal((await admin('POST', '/admin/teams', { name: 'agents' })).status, 201);
});
after(() => gateway.stop(0));

async function key(name: string, run?: Record<string, number>): Promise<{ id: string; secret: string }> {
  const created = await admin('POST', '/admin/keys', { name, team: 'agents', ...(run ? { run } : {}) });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return { id: created.body.id, secret: created.body.key };
}

const openai = (secret: string, runId?: string) =>
  new OpenAI({
    apiKey: secret,
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    ...(runId ? { defaultHeaders: { 'x-gatehouse-run-id': runId } } : {}),
  });

const chat = (client: OpenAI, content = 'Next step, please.', extra: Record<string, unknown> = {}) =>
  client.chat.completions.create({ model: 'mock-fast', messages: [{ role: 'user', content }], ...extra });

async function refusal(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof OpenAI.APIError, String(err));
    return err;
  }
  assert.fail('the call was served');
}

/** Events are written off the request path: wait until the run shows the calls expected. */
async function runView(id: string, calls: number) {
  for (let i = 0; i < 200; i++) {
    const res = await admin('GET', `/admin/runs/${encodeURIComponent(id)}`);
    if (res.status === 200 && res.body.timeline.length >= calls) return res.body;
    await sleep(25);
  }
  assert.fail(`run ${id} never showed ${calls} calls`);
}

test('max_steps: the call past the bound is refused in the OpenAI envelope, naming the bound', async () => {
  const agent = await key('stepper', { max_steps: 3 });
  const client = openai(agent.secret, 'fix-bug-1');
  for (let i = 0; i < 3; i++) await chat(client, `step ${i}`);
  const err = await refusal(chat(client, 'step 3'));
  assert.equal(err.status, 429);
  assert.equal(err.code, 'run_limit_exceeded');
  assert.match(
    err.message,
    /run "fix-bug-1" reached its bound max_steps: 3 model calls set by the key "stepper"/,
  );
  // Outside the run, and in another run, the key is served as before.
  await chat(openai(agent.secret));
  await chat(openai(agent.secret, 'fix-bug-2'));
  // A streamed call past the bound is refused before it starts.
  const streamed = await refusal(chat(client, 'more', { stream: true }));
  assert.equal(streamed.code, 'run_limit_exceeded');
});

test('the Anthropic surface refuses in its own envelope, naming the bound', async () => {
  const agent = await key('claude-agent', { max_steps: 1 });
  const client = new Anthropic({
    apiKey: agent.secret,
    baseURL: gateway.url,
    maxRetries: 0,
    defaultHeaders: { 'x-gatehouse-run-id': 'a-run' },
  });
  const ask = () =>
    client.messages.create({
      model: 'mock-fast',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'hi' }],
    });
  await ask();
  try {
    await ask();
    assert.fail('served past max_steps');
  } catch (err) {
    assert.ok(err instanceof Anthropic.APIError, String(err));
    assert.equal(err.status, 429);
    const body = err.error as { type: string; error: { type: string; message: string } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'rate_limit_error');
    assert.match(body.error.message, /max_steps: 1 model calls/);
  }
});

test("runs are per key: another key's run of the same name is its own, and untouched", async () => {
  const first = await key('tenant-a', { max_steps: 1 });
  const second = await key('tenant-b', { max_steps: 1 });
  await chat(openai(first.secret, 'shared-name'));
  assert.equal((await refusal(chat(openai(first.secret, 'shared-name')))).code, 'run_limit_exceeded');
  // The second key's run of the same name has its own counters: its first call is served.
  await chat(openai(second.secret, 'shared-name'));
  // The admin API tells the two apart.
  const a = await runView(`${first.id}:shared-name`, 2);
  const b = await runView(`${second.id}:shared-name`, 1);
  assert.equal(a.key_id, first.id);
  assert.equal(b.key_id, second.id);
  assert.equal(b.timeline.length, 1);
  // A bare run id used by two keys is ambiguous, and said so.
  const ambiguous = await admin('GET', '/admin/runs/shared-name');
  assert.equal(ambiguous.status, 409);
  assert.equal(ambiguous.body.error.code, 'conflict');
});

test('max_cost_usd counts the settled cost of the run, streamed calls included', async () => {
  // The mock prices output at $2 per million tokens: one answer of a few tokens costs a few
  // millionths of a dollar, so a bound of $0.000001 is spent by the first call.
  const agent = await key('spender', { max_cost_usd: 0.000001 });
  const client = openai(agent.secret, 'costly');
  const stream = await client.chat.completions.create({
    model: 'mock-fast',
    messages: [{ role: 'user', content: 'spend' }],
    stream: true,
  });
  for await (const _chunk of stream);
  const err = await refusal(chat(client));
  assert.equal(err.code, 'run_limit_exceeded');
  assert.match(err.message, /max_cost_usd: \$0\.000001 \(spent \$0\.0000\d+\)/);
  const run = await runView(`${agent.id}:costly`, 2);
  assert.ok(run.state.cost_usd > 0.000001, JSON.stringify(run.state));
  assert.equal(run.cost_usd, run.timeline[0].cost_usd);
});

test('max_duration_s counts from the run’s first call', async () => {
  const agent = await key('slowpoke', { max_duration_s: 1 });
  const client = openai(agent.secret, 'long-task');
  await chat(client);
  await sleep(1_200);
  const err = await refusal(chat(client));
  assert.match(err.message, /max_duration_s: 1 s \(running 1 s\)/);
});

test('the loop breaker stops a run that sends the same request more than max_repeats times in a row', async () => {
  const agent = await key('looper', { max_repeats: 2 });
  const client = openai(agent.secret, 'stuck');
  await chat(client, 'again');
  await chat(client, 'different'); // a different request ends the row
  await chat(client, 'again');
  await chat(client, 'again');
  const err = await refusal(chat(client, 'again'));
  assert.equal(err.code, 'run_limit_exceeded');
  assert.match(
    err.message,
    /max_repeats: the same model request more than 2 times in a row; the loop breaker stopped the run/,
  );
  // The run is stopped for good: even a new request in it is refused; another run goes on.
  assert.equal((await refusal(chat(client, 'something else'))).code, 'run_limit_exceeded');
  await chat(openai(agent.secret, 'unstuck'), 'again');
  const run = await runView(`${agent.id}:stuck`, 6);
  assert.equal(run.state.stopped_by, 'max_repeats');
  assert.deepEqual(
    run.timeline.map((s: { verdict: string }) => s.verdict),
    ['ok', 'ok', 'ok', 'ok', 'refused', 'refused'],
  );
});

test('/admin/runs lists runs and /admin/runs/{id} shows the timeline with cost, latency and verdicts', async () => {
  const agent = await key('timeline', { max_steps: 2 });
  const client = openai(agent.secret, 'tl-1');
  await chat(client, 'one');
  await chat(client, 'two');
  await refusal(chat(client, 'three'));
  const run = await runView(`${agent.id}:tl-1`, 3);
  assert.equal(run.id, `${agent.id}:tl-1`);
  assert.equal(run.run_id, 'tl-1');
  assert.equal(run.model_calls, 3);
  assert.equal(run.tool_calls, 0);
  assert.equal(run.errors, 1);
  assert.equal(run.refused_by_bounds, 1);
  assert.deepEqual(run.state && { steps: run.state.steps, stopped_by: run.state.stopped_by }, {
    steps: 2,
    stopped_by: null,
  });
  const [one, two, three] = run.timeline;
  for (const step of [one, two]) {
    assert.equal(step.kind, 'model');
    assert.equal(step.model, 'mock-fast');
    assert.equal(step.status, 200);
    assert.equal(step.verdict, 'ok');
    assert.ok(step.cost_usd > 0);
    assert.equal(typeof step.duration_ms, 'number');
  }
  assert.equal(three.status, 429);
  assert.equal(three.verdict, 'refused');
  assert.equal(three.error_code, 'run_limit_exceeded');
  assert.ok(Date.parse(one.at) <= Date.parse(two.at));
  // The list, filtered by key (by name), with paging.
  await chat(openai(agent.secret, 'tl-2'));
  await runView(`${agent.id}:tl-2`, 1);
  const page1 = await admin('GET', '/admin/runs?key=timeline&limit=1');
  assert.equal(page1.status, 200, JSON.stringify(page1.body));
  assert.equal(page1.body.data.length, 1);
  assert.equal(page1.body.data[0].run_id, 'tl-2');
  const page2 = await admin('GET', `/admin/runs?key=timeline&limit=1&cursor=${page1.body.next_cursor}`);
  assert.deepEqual(
    page2.body.data.map((r: { run_id: string }) => r.run_id),
    ['tl-1'],
  );
  assert.equal(page2.body.data[0].cost_usd, run.cost_usd);
  assert.equal(page2.body.next_cursor, null);
  assert.equal((await admin('GET', '/admin/runs/key_nobody:nothing')).status, 404);
  // The request log shows each event's run.
  const logged = await admin('GET', `/admin/logs?key=${agent.id}`);
  assert.deepEqual(logged.body.data.map((e: { run_id: string | null }) => e.run_id).sort(), [
    'tl-1',
    'tl-1',
    'tl-1',
    'tl-2',
  ]);
});

test('run rules are read and replaced through the admin rules, and bad ones refused naming the field', async () => {
  const agent = await key('ruled');
  const put = await admin('PUT', `/admin/keys/${agent.id}/rules`, {
    run: { max_steps: 50, max_cost_usd: 2 },
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.deepEqual(put.body.run, { max_steps: 50, max_cost_usd: 2 });
  assert.deepEqual((await admin('GET', `/admin/keys/${agent.id}/rules`)).body.run, {
    max_steps: 50,
    max_cost_usd: 2,
  });
  const bad = await admin('PUT', `/admin/keys/${agent.id}/rules`, { run: { max_steps: 0 } });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /run\.max_steps/);
  const unknown = await admin('PUT', `/admin/keys/${agent.id}/rules`, { run: { max_step: 5 } });
  assert.equal(unknown.status, 400);
  assert.equal((await admin('PUT', `/admin/keys/${agent.id}/rules`, { run: null })).body.run, null);
  // A team's bound applies to its keys' runs, with the team named.
  await admin('POST', '/admin/teams', { name: 'bounded-team' });
  await admin('PUT', '/admin/teams/bounded-team/rules', { run: { max_steps: 1 } });
  const created = await admin('POST', '/admin/keys', { name: 'member', team: 'bounded-team' });
  const client = openai(created.body.key, 'team-run');
  await chat(client);
  assert.match((await refusal(chat(client))).message, /set by the team "bounded-team"/);
});

test('a malformed run id is refused with 400 naming the header', async () => {
  const agent = await key('malformed');
  const err = await refusal(chat(openai(agent.secret, 'has space')));
  assert.equal(err.status, 400);
  assert.equal(err.param, 'x-gatehouse-run-id');
});
