// GET /admin/budgets: every budget of a team, key or user in one list, with the spend of its current
// period (what the overview's budget totals read), filtered by team, paged, and refusing bad input.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient, readAllPages } from '../helpers/admin.ts';
import { mockOnlyConfig, startTestGateway } from '../helpers/gateway.ts';

let gateway: Gateway;
const admin = adminClient(() => gateway);

before(async () => {
  gateway = await startTestGateway(mockOnlyConfig);
  await admin('POST', '/admin/teams', { name: 'alpha' });
  await admin('POST', '/admin/teams', { name: 'beta' });
  await admin('POST', '/admin/users', { name: 'grace', teams: ['beta'] });
  const key = (await admin('POST', '/admin/keys', { name: 'alpha-bot', team: 'alpha' })).body;
  await admin('POST', '/admin/keys', { name: 'no-budget', team: 'alpha' });
  for (const [path, budget] of [
    ['/admin/teams/alpha/rules', { usd: 100, period: 'month' }],
    ['/admin/keys/alpha-bot/rules', { usd: 5, period: 'day' }],
    ['/admin/users/grace/rules', { usd: 2, period: 'week' }],
  ] as const)
    assert.equal((await admin('PUT', path, { budget })).status, 200, path);
  const client = new OpenAI({ apiKey: key.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  await client.chat.completions.create({ model: 'mock-smart', messages: [{ role: 'user', content: 'hi' }] });
});
after(() => gateway.stop());

test('every budget with its spend in the period, whoever holds it', async () => {
  const list = await admin('GET', '/admin/budgets');
  assert.equal(list.status, 200, JSON.stringify(list.body));
  const owners = list.body.data.map((b: { scope: string; name: string }) => `${b.scope} ${b.name}`).sort();
  assert.deepEqual(owners, ['key alpha-bot', 'team alpha', 'user grace']);
  const key = list.body.data.find((b: { scope: string }) => b.scope === 'key');
  assert.equal(key.period, 'day');
  assert.equal(key.budget.usd, 5);
  // The request through the key is charged to the key's and its team's budget counters.
  assert.ok(key.spent_usd > 0, JSON.stringify(key));
  const team = list.body.data.find((b: { scope: string }) => b.scope === 'team');
  assert.equal(team.spent_usd, key.spent_usd);
  assert.deepEqual(team.teams, [team.id]);
  const spend = await admin('GET', '/admin/keys/alpha-bot/spend');
  assert.equal(spend.body.spent_usd, key.spent_usd);
});

test('filtered by team (a key by its team, a user by membership), and paged', async () => {
  const alpha = await admin('GET', '/admin/budgets?team=alpha');
  assert.deepEqual(alpha.body.data.map((b: { name: string }) => b.name).sort(), ['alpha', 'alpha-bot']);
  const beta = await admin('GET', '/admin/budgets?team=beta');
  assert.deepEqual(beta.body.data.map((b: { name: string }) => b.name), ['grace']);
  const { items, pages } = await readAllPages(admin, '/admin/budgets', 1);
  assert.equal(items.length, 3);
  assert.equal(pages, 3);
});

test('bad input is refused in the admin error shape', async () => {
  for (const [path, param] of [
    ['/admin/budgets?cursor=nope', 'cursor'],
    ['/admin/budgets?limit=0', 'limit'],
    ['/admin/budgets?colour=red', 'colour'],
    ['/admin/budgets?team=nobody', 'team'],
  ]) {
    const res = await admin('GET', path);
    assert.equal(res.status, 400, path);
    assert.equal(res.body.error.param, param, JSON.stringify(res.body));
  }
});
