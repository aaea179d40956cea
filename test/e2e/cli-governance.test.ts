// The governance CLI against a running gateway: what an operator types.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Gateway } from '../../src/server/index.ts';
import { runGatehouse, runGatehouseAsync } from '../helpers/cli.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';

let gateway: Gateway;
const dbFile = join(mkdtempSync(join(tmpdir(), 'gatehouse-cli-')), 'gatehouse.db');
before(async () => {
  gateway = await startTestGateway(mockOnlyConfig, { databaseUrl: `sqlite:${dbFile}` });
});
after(() => gateway.stop(0));

const cli = (...args: string[]) =>
  runGatehouseAsync([...args, '--url', gateway.url, '--master-key', testMasterKey]);
/** The same, asking for the admin API's JSON. */
const cliJson = (...args: string[]) => cli(...args, '--json');
const chat = (key: string) =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: 'hi' }] }),
  });

test('teams create, keys create/list/rotate/revoke, audit verify', async () => {
  assert.equal((await cli('teams', 'create', '--name', 'search', '--models', 'mock-*')).code, 0);
  const created = await cliJson(
    'keys',
    'create',
    '--name',
    'ci-bot',
    '--team',
    'search',
    '--metadata',
    'env=ci,owner=ada',
  );
  assert.equal(created.code, 0, created.stderr);
  const key = JSON.parse(created.stdout);
  assert.match(key.key, /^gh-/);
  assert.deepEqual(key.metadata, { env: 'ci', owner: 'ada' });
  assert.equal((await chat(key.key)).status, 200);

  const listed = await cli('keys', 'list', '--team', 'search');
  assert.equal(listed.code, 0);
  assert.ok(!listed.stdout.includes(key.key), 'list never shows secrets');

  const rotated = JSON.parse((await cliJson('keys', 'rotate', key.id, '--overlap', '0')).stdout);
  assert.equal((await chat(key.key)).status, 401);
  assert.equal((await chat(rotated.key)).status, 200);
  assert.equal((await cli('keys', 'revoke', key.id)).code, 0);
  assert.equal((await chat(rotated.key)).status, 401);

  const verified = await cliJson('audit', 'verify');
  assert.equal(verified.code, 0, verified.stderr);
  assert.equal(JSON.parse(verified.stdout).ok, true);
  const db = new DatabaseSync(dbFile);
  db.exec("UPDATE audit_log SET after = '{}' WHERE seq = 2");
  db.close();
  const broken = await cli('audit', 'verify');
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /entry 2 was altered/);
});

test('budgets and limits from flags, spend, and secrets from standard input', async () => {
  const created = await cliJson(
    'keys',
    'create',
    '--name',
    'capped',
    '--team',
    'search',
    '--budget',
    '5',
    '--period',
    'day',
    '--rpm',
    '2',
  );
  assert.equal(created.code, 0, created.stderr);
  const key = JSON.parse(created.stdout);
  assert.equal((await chat(key.key)).status, 200);
  assert.equal((await chat(key.key)).status, 200);
  assert.equal((await chat(key.key)).status, 429, 'rpm 2 from the flag');
  const spent = JSON.parse((await cliJson('keys', 'spend', key.id)).stdout);
  assert.equal(spent.budget.usd, 5);
  assert.equal(spent.budget.period, 'day');
  assert.ok(spent.spent_usd > 0);
  const bad = await cli('keys', 'create', '--name', 'x', '--team', 'search', '--budget', 'lots');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /budget\.usd/);

  const set = await runGatehouseAsync(
    ['secrets', 'set', 'openai-prod', '--url', gateway.url, '--master-key', testMasterKey],
    {
      input: 'sk-from-stdin\n',
    },
  );
  assert.equal(set.code, 0, set.stderr);
  assert.ok(!set.stdout.includes('sk-from-stdin'));
  const listed = await cli('secrets', 'list');
  assert.match(listed.stdout, /openai-prod/);
  assert.ok(!listed.stdout.includes('sk-from-stdin'));
});

test('admin commands report a clear error for bad input and for a wrong key', async () => {
  const bad = await cli('keys', 'create', '--name', 'x', '--team', 'nowhere');
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'gatehouse: team: no team "nowhere" (HTTP 400)\n');
  const wrong = await runGatehouseAsync(['keys', 'list', '--url', gateway.url, '--master-key', 'nope']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /401/);
  assert.equal(runGatehouse(['keys', '--help']).code, 0);
});

test('data policy flags: body logging, retention and region', async () => {
  const team = await cliJson(
    'teams',
    'create',
    '--name',
    'audited',
    '--log-bodies',
    'full',
    '--retention-days',
    '7',
  );
  assert.equal(team.code, 0, team.stderr);
  const created = JSON.parse(team.stdout);
  assert.deepEqual([created.log_bodies, created.retention_days, created.region], ['full', 7, null]);
  const key = await cliJson('keys', 'create', '--name', 'quiet', '--team', 'audited', '--log-bodies', 'off');
  assert.equal(key.code, 0, key.stderr);
  assert.equal(JSON.parse(key.stdout).log_bodies, 'off');
  assert.equal((await chat(JSON.parse(key.stdout).key)).status, 200);

  const mars = await cli('teams', 'create', '--name', 'martians', '--region', 'mars');
  assert.equal(mars.code, 1);
  assert.match(mars.stderr, /region: "mars" is not a configured region.* \(HTTP 400\)/);
  const loud = await cli('keys', 'create', '--name', 'loud', '--team', 'audited', '--log-bodies', 'loud');
  assert.equal(loud.code, 1);
  assert.match(loud.stderr, /log_bodies/);
  const soon = await cli('teams', 'create', '--name', 'hasty', '--retention-days', 'soon');
  assert.equal(soon.code, 1);
  assert.match(soon.stderr, /retention_days/);
  assert.match(runGatehouse(['teams', 'create', '--help']).stdout, /--retention-days N/);
});
