// `gatehouse runs`, `gatehouse approvals` and the run bound flags of `keys create|update`, against a
// running gateway, as an operator types them.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import type { Gateway } from '../../src/server/index.ts';
import { runGatehouseInProcess } from '../helpers/cli.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';

let gateway: Gateway;
before(async () => {
  gateway = await startTestGateway(mockOnlyConfig);
});
after(() => gateway.stop(0));

const gatehouse = (...args: string[]) =>
  runGatehouseInProcess([...args, '--url', gateway.url, '--master-key', testMasterKey]);

const chat = (key: string, content: string) =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'x-gatehouse-run-id': 'cli-run' },
    body: JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content }] }),
  });

test('run bounds are set with keys create and changed with keys update', async () => {
  assert.equal((await gatehouse('teams', 'create', '--name', 'agents')).code, 0);
  const created = await gatehouse(
    'keys',
    'create',
    '--name',
    'coder',
    '--team',
    'agents',
    '--max-steps',
    '2',
    '--max-repeats',
    '3',
    '--json',
  );
  assert.equal(created.code, 0, created.stderr);
  const secret = JSON.parse(created.stdout).key as string;
  const rules = await gatehouse('keys', 'rules', 'coder', '--json');
  assert.deepEqual(JSON.parse(rules.stdout).run, { max_steps: 2, max_repeats: 3 });
  const updated = await gatehouse(
    'keys',
    'update',
    'coder',
    '--max-cost',
    '2',
    '--unset',
    'max-repeats',
    '--json',
  );
  assert.equal(updated.code, 0, updated.stderr);
  assert.deepEqual(JSON.parse((await gatehouse('keys', 'rules', 'coder', '--json')).stdout).run, {
    max_steps: 2,
    max_cost_usd: 2,
  });
  const bad = await gatehouse('keys', 'update', 'coder', '--max-steps', 'many');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /run\.max_steps/);

  // A run of three calls: two served, the third past max_steps.
  for (const content of ['one', 'two', 'three']) await (await chat(secret, content)).text();
  let listed = '';
  for (let i = 0; i < 100 && !listed.includes('cli-run'); i++) {
    listed = (await gatehouse('runs', 'list', '--key', 'coder')).stdout;
    await sleep(25);
  }
  assert.match(listed, /:cli-run/);
  let shown = { code: 1, stdout: '', stderr: '' };
  for (let i = 0; i < 100 && !shown.stdout.includes('run_limit_exceeded'); i++) {
    shown = await gatehouse('runs', 'show', 'cli-run');
    await sleep(25);
  }
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /model_calls\s*:?\s*3/);
  assert.match(shown.stdout, /mock-fast\s+200\s+ok/);
  assert.match(shown.stdout, /mock-fast\s+429\s+refused \(run_limit_exceeded\)/);
});

test('approvals list answers, and a decision on an unknown approval says so', async () => {
  const list = await gatehouse('approvals', 'list', '--json');
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(JSON.parse(list.stdout).data, []);
  const unknown = await gatehouse('approvals', 'approve', 'appr_nothing');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /No approval "appr_nothing"/);
  const missing = await gatehouse('approvals', 'deny');
  assert.equal(missing.code, 2);
});
