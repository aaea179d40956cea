// Online evaluators: sampled at their configured rate, run after the answer is sent (a judge that
// hangs never delays the caller), harmless when the judge is down (one attempt each, errors
// counted), and the judge's spend recorded under the system team and stopped by its budget.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { until } from '../helpers/until.ts';
import { startScriptedOpenAIUpstream } from '../upstreams/scripted-openai.ts';

const judgeUp = await startScriptedOpenAIUpstream();
judgeUp.script.pieces = ['0.8'];
const gateways: Gateway[] = [];
after(async () => {
  for (const g of gateways) await g.stop();
  await judgeUp.close();
});

async function start(evaluators: Record<string, unknown>, modelEvaluators: string[], quality = {}) {
  const gateway = await startTestGateway({
    providers: {
      mock: { type: 'mock' },
      judgeup: { type: 'openai', base_url: `${judgeUp.url}/v1`, api_key: 'sk-upstream' },
    },
    prices: { 'judge-model': { input_per_mtok: 10_000, output_per_mtok: 10_000 } },
    models: {
      bot: { targets: [{ provider: 'mock', model: 'mock-fast' }], evaluators: modelEvaluators },
      plain: { targets: [{ provider: 'mock', model: 'mock-fast' }] },
      judge: { targets: [{ provider: 'judgeup', model: 'judge-model' }] },
    },
    evaluators,
    quality,
  });
  gateways.push(gateway);
  return gateway;
}

async function chat(gateway: Gateway, model: string, text: string) {
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: text }] }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return { res, body: (await res.json()) as any };
}

test('evaluators score the sampled share of answers, and only of the models they are attached to', async () => {
  const gateway = await start(
    {
      sometimes: { type: 'length', min_chars: 1, sample_rate: 0.3 },
      always: { type: 'regex', pattern: 'Mock answer' },
    },
    ['sometimes', 'always'],
  );
  const n = 300;
  for (let i = 0; i < n; i++) await chat(gateway, 'bot', `question ${i}`);
  for (let i = 0; i < 20; i++) await chat(gateway, 'plain', `question ${i}`);
  await until(() => gateway.quality.stats.queued >= n, 5000);
  await gateway.quality.drained();
  const admin = adminClient(() => gateway);
  const rolled = (await admin('GET', '/admin/quality?group_by=model&source=evaluator')).body.data;
  const by = Object.fromEntries(rolled.map((r: any) => [`${r.group.model}:${r.group.name}`, r]));
  assert.equal(by['bot:always']?.count, n, JSON.stringify(rolled));
  assert.equal(by['bot:always'].mean, 1);
  // Binomial(300, 0.3): mean 90, sd 7.9; ±5 sd fails a correct sampler about once in 3 million runs.
  const sampled = by['bot:sometimes']?.count ?? 0;
  assert.ok(sampled > 90 - 40 && sampled < 90 + 40, `sampled ${sampled} of ${n} at 0.3`);
  assert.equal(by['bot:sometimes'].mean, 1);
  assert.equal(rolled.filter((r: any) => r.group.model === 'plain').length, 0);
});

test('a judge that hangs never delays the caller; its timeout is counted as an error', async () => {
  const gateway = await start(
    { polite: { type: 'llm_judge', model: 'judge', rubric: 'Polite', timeout_ms: 3000 } },
    ['polite'],
  );
  judgeUp.faults.push({ kind: 'stall' });
  const before = judgeUp.requests.length;
  const started = performance.now();
  await chat(gateway, 'bot', 'hello');
  const took = performance.now() - started;
  assert.ok(took < 2000, `the caller waited ${Math.round(took)} ms`);
  assert.ok(await until(() => judgeUp.requests.length > before, 2000), 'the judge was asked');
  await gateway.quality.drained();
  assert.equal(gateway.quality.stats.errors, 1);
  const scores = (await adminClient(() => gateway)('GET', '/admin/scores')).body.data;
  assert.equal(scores.length, 0);
});

test('a judge outage harms nothing: callers are answered, one attempt per sampled answer, errors counted', async () => {
  const gateway = await start(
    {
      polite: { type: 'llm_judge', model: 'judge', rubric: 'Polite' },
      nonempty: { type: 'length', min_chars: 1 },
    },
    ['polite', 'nonempty'],
  );
  const before = judgeUp.requests.length;
  for (let i = 0; i < 10; i++)
    judgeUp.faults.push({ kind: 'status', status: 503, body: { error: { message: 'down' } } });
  for (let i = 0; i < 10; i++) await chat(gateway, 'bot', `q${i}`);
  await until(() => gateway.quality.stats.queued >= 10, 5000);
  await gateway.quality.drained();
  // At most one attempt per sampled answer (fewer once the target's breaker opens): no retry storm.
  const asked = judgeUp.requests.length - before;
  judgeUp.faults.length = 0;
  assert.ok(asked >= 1 && asked <= 10, `the judge was asked ${asked} times for 10 answers`);
  assert.equal(gateway.quality.stats.errors, 10);
  const rolled = (await adminClient(() => gateway)('GET', '/admin/quality?group_by=model')).body.data;
  assert.deepEqual(
    rolled.map((r: any) => [r.group.name, r.count]),
    [['nonempty', 10]],
  );
});

test('judge spend is recorded under the system team and stopped by its budget', async () => {
  const gateway = await start(
    { polite: { type: 'llm_judge', model: 'judge', rubric: 'Polite' } },
    ['polite'],
    { judge_team: 'quality-judges', judge_budget_usd: 0.1, concurrency: 1 },
  );
  const admin = adminClient(() => gateway);
  const before = judgeUp.requests.length;
  await chat(gateway, 'bot', 'first');
  await until(() => gateway.quality.stats.queued >= 1, 5000);
  await gateway.quality.drained();
  const scores = (await admin('GET', '/admin/scores?name=polite')).body.data;
  assert.equal(scores.length, 1);
  assert.equal(scores[0].value, 0.8);
  // The judge's call is on the request log, priced, under the system team.
  let logged: any;
  for (let i = 0; i < 100 && !logged; i++) {
    logged = (await admin('GET', '/admin/logs?tag=internal=evaluator:polite')).body.data?.[0];
    if (!logged) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(logged, 'the judge call was logged');
  assert.equal(logged.team_id, 'quality-judges');
  assert.ok(logged.cost_usd > 0.1, JSON.stringify(logged));
  assert.ok(gateway.quality.stats.judgeSpentUsd > 0.1);
  // Over its budget now: the next answers are not judged, and that is counted.
  for (let i = 0; i < 3; i++) await chat(gateway, 'bot', `more ${i}`);
  await until(() => gateway.quality.stats.queued >= 4, 5000);
  await gateway.quality.drained();
  assert.equal(judgeUp.requests.length - before, 1);
  assert.equal(gateway.quality.stats.judgeSkippedBudget, 3);
});
