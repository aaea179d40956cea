// `gatehouse logs tail` and `gatehouse usage` against a running gateway, as an operator runs them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { Gateway } from '../../src/server/index.ts';
import { cliPath, runGatehouseAsync } from '../helpers/cli.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';

let gateway: Gateway;
before(async () => {
  gateway = await startTestGateway(mockOnlyConfig);
});
after(() => gateway.stop(0));

const connection = () => ['--url', gateway.url, '--master-key', testMasterKey];
const chat = (requestId: string, model = 'mock-fast') =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testMasterKey}`, 'x-request-id': requestId },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  }).then((res) => res.text());

async function waitForEvents(count: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${gateway.url}/admin/logs`, {
      headers: { authorization: `Bearer ${testMasterKey}` },
    });
    if (((await res.json()) as { data: unknown[] }).data.length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`fewer than ${count} events`);
}

test('logs tail --once prints the latest events, oldest first, filtered', async () => {
  await chat('cli-a');
  await chat('cli-b', 'mock-smart');
  await chat('cli-c');
  await waitForEvents(3);
  const all = await runGatehouseAsync(['logs', 'tail', '--once', '--lines', '3', ...connection()]);
  assert.equal(all.code, 0, all.stderr);
  const lines = all.stdout.trim().split('\n');
  assert.equal(lines.length, 3);
  assert.deepEqual(
    lines.map((line) => line.split('  ').at(-1)),
    ['cli-a', 'cli-b', 'cli-c'],
  );
  assert.match(lines[0]!, /200 {2}mock-fast {2}mock {2}json {2}\d+→\d+ tok {2}\$0\.\d{2,6} {2}\d+ms /);
  const smart = await runGatehouseAsync([
    'logs',
    'tail',
    '--once',
    '--model',
    'mock-smart',
    '--json',
    ...connection(),
  ]);
  const events = smart.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  assert.deepEqual(
    events.map((e) => e.request_id),
    ['cli-b'],
  );
});

test('logs tail follows new events until interrupted', async () => {
  const child = spawn(process.execPath, [
    cliPath,
    'logs',
    'tail',
    '--lines',
    '0',
    '--interval',
    '0.2',
    ...connection(),
  ]);
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  await new Promise((resolve) => child.stderr.once('data', resolve)); // it has read what is there
  await chat('cli-live');
  for (let i = 0; i < 100 && !out.includes('cli-live'); i++) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGINT');
  assert.match(out, /cli-live/);
  assert.doesNotMatch(out, /cli-a/, '--lines 0 shows only what is new');
});

test('usage prints a table by model with totals, or JSON', async () => {
  await waitForEvents(4);
  const table = await runGatehouseAsync([
    'usage',
    '--by',
    'model',
    '--since',
    '1d',
    '--bucket',
    'none',
    ...connection(),
  ]);
  assert.equal(table.code, 0, table.stderr);
  const [header, ...rows] = table.stdout.trim().split('\n');
  assert.match(header!, /^model\s+requests\s+errors\s+input_tokens\s+output_tokens\s+cost_usd$/);
  assert.ok(
    rows.some((row) => /^mock-fast\s+3\s+0\s/.test(row)),
    table.stdout,
  );
  assert.match(rows.at(-1)!, /^total\s+4\s+0\s/);
  const json = await runGatehouseAsync(['usage', '--by', 'team', '--json', ...connection()]);
  assert.equal(JSON.parse(json.stdout).totals.requests, 4);
  const bad = await runGatehouseAsync(['usage', '--by', 'colour', ...connection()]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^gatehouse: by: "colour" is not one of .* \(HTTP 400\)\n$/);
});
