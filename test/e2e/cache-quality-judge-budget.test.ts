// The judge's spend under a governance budget: a budget set on the judge team through the admin API
// (PUT /admin/teams/<team>/rules) is admitted by the pipeline like any caller's, so once it is spent
// judge evaluations are skipped and counted — the callers never notice — and the judge calls are
// recorded under that team's id.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { freshPostgres } from '../helpers/database.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { redisUrl } from '../helpers/redis.ts';
import { until } from '../helpers/until.ts';
import { startUpstream } from '../upstreams/server.ts';

// A judge that answers 0.9 and reports a long prompt: one call costs $1 at $10 per million tokens,
// while what admission reserves beforehand (the prompt's estimate and 16 output tokens) is far less.
const judgeUp = await startUpstream((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      id: 'chatcmpl-judge',
      object: 'chat.completion',
      created: 1,
      model: req.body?.model ?? 'judge-model',
      choices: [{ index: 0, message: { role: 'assistant', content: '0.9' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 100_000, completion_tokens: 1, total_tokens: 100_001 },
    }),
  );
});
const redis = await redisUrl();
const postgres = await freshPostgres();
let gateway: Gateway | undefined;
const replicas: Gateway[] = [];
after(async () => {
  await gateway?.stop(0);
  for (const replica of replicas) await replica.stop(0);
  await judgeUp.close();
  await postgres.drop();
});

async function chat(text: string, on = gateway) {
  const res = await fetch(`${on!.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'bot', messages: [{ role: 'user', content: text }] }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  await res.json();
}

const judgeConfig = {
  providers: {
    mock: { type: 'mock' },
    judgeup: { type: 'openai', base_url: `${judgeUp.url}/v1`, api_key: 'sk-upstream' },
  },
  prices: { 'judge-model': { input_per_mtok: 10, output_per_mtok: 10 } },
  models: {
    bot: { targets: [{ provider: 'mock', model: 'mock-fast' }], evaluators: ['polite'] },
    judge: { targets: [{ provider: 'judgeup', model: 'judge-model' }] },
  },
  evaluators: { polite: { type: 'llm_judge', model: 'judge', rubric: 'Polite' } },
  // The in-memory daily cap stays far above: the governance budget is what stops the judge.
  quality: { judge_team: 'judges', judge_budget_usd: 1000, concurrency: 1 },
};

test('a budget on the judge team stops judge calls once spent; the evaluator skips and counts', async () => {
  gateway = await startTestGateway(judgeConfig);
  const admin = adminClient(() => gateway!);
  const team = await admin('POST', '/admin/teams', { name: 'judges' });
  assert.equal(team.status, 201);
  // The first judge call ($1) spends this budget.
  const rules = await admin('PUT', '/admin/teams/judges/rules', { budget: { usd: 0.5, period: 'day' } });
  assert.equal(rules.status, 200, JSON.stringify(rules.body));

  const before = judgeUp.requests.length;
  await chat('first question');
  await until(() => gateway!.quality.stats.queued >= 1, 5000);
  await gateway!.quality.drained();
  assert.equal(judgeUp.requests.length - before, 1, 'the first answer was judged');
  const scores = (await admin('GET', '/admin/scores?name=polite')).body.data;
  assert.equal(scores.length, 1);

  // The team's spend shows the judge's call, under the team's id (the budget is shared by replicas).
  let spent = 0;
  for (let i = 0; i < 100 && spent < 1; i++) {
    spent = (await admin('GET', '/admin/teams/judges/spend?period=day')).body.spent_usd ?? 0;
    if (spent < 1) await until(() => false, 50);
  }
  assert.ok(spent >= 1, `the judge team spent ${spent}`);
  let logged: any;
  for (let i = 0; i < 100 && !logged; i++) {
    logged = (await admin('GET', '/admin/logs?tag=internal=evaluator:polite')).body.data?.[0];
    if (!logged) await until(() => false, 50);
  }
  assert.equal(logged?.team_id, team.body.id);

  // Spent: the next answers reach their callers, and are not judged.
  for (let i = 0; i < 3; i++) await chat(`more ${i}`);
  await until(() => gateway!.quality.stats.queued >= 4, 5000);
  await gateway!.quality.drained();
  assert.equal(judgeUp.requests.length - before, 1, 'no judge call past the budget');
  assert.equal(gateway!.quality.stats.judgeSkippedBudget, 3);
  assert.equal(gateway!.quality.stats.errors, 0);
  const metrics = await (await fetch(`${gateway!.url}/metrics`)).text();
  assert.match(metrics, /gatehouse_evaluations\{outcome="judge_skipped_budget"\} 3/);
});

describe('two replicas sharing PostgreSQL and Redis', {
  skip: postgres.skip ?? (redis ? false : 'Redis is not running; skipping'),
}, () => {
  test('what one replica’s judge spent stops the other’s: the budget is shared', async () => {
    for (let i = 0; i < 2; i++)
      replicas.push(await startTestGateway(judgeConfig, { databaseUrl: postgres.url!, redisUrl: redis! }));
    const [one, two] = replicas as [Gateway, Gateway];
    const admin = adminClient(() => one);
    assert.equal((await admin('POST', '/admin/teams', { name: 'judges' })).status, 201);
    const rules = await admin('PUT', '/admin/teams/judges/rules', { budget: { usd: 0.5, period: 'day' } });
    assert.equal(rules.status, 200, JSON.stringify(rules.body));
    const before = judgeUp.requests.length;
    await chat('judged on the first replica', one);
    await until(() => one.quality.stats.queued >= 1, 5000);
    await one.quality.drained();
    assert.equal(judgeUp.requests.length - before, 1);
    await chat('not judged on the second', two);
    await until(() => two.quality.stats.queued >= 1, 5000);
    await two.quality.drained();
    assert.equal(judgeUp.requests.length - before, 1, 'the second replica did not call the judge');
    assert.equal(two.quality.stats.judgeSkippedBudget, 1);
  });
});
