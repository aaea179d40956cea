// `gatehouse eval run` as CI runs it: a spawned CLI against a test gateway with the mock provider,
// exiting 0 on a pass, 1 on a failure or a regression past the tolerance, 2 on a malformed suite;
// reports written and stored, repeated runs answered from the cache.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { runGatehouseAsync } from '../helpers/cli.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { startScriptedOpenAIUpstream } from '../upstreams/scripted-openai.ts';

let gateway: Gateway;
const admin = adminClient(() => gateway);
const judgeUp = await startScriptedOpenAIUpstream();
judgeUp.script.pieces = ['0.9'];
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-eval-'));

before(async () => {
  gateway = await startTestGateway({
    providers: {
      mock: { type: 'mock' },
      judgeup: { type: 'openai', base_url: `${judgeUp.url}/v1`, api_key: 'sk-upstream' },
    },
    prices: { 'mock-fast': { input_per_mtok: 1, output_per_mtok: 2 } },
    models: {
      'support-bot': { targets: [{ provider: 'mock', model: 'mock-fast' }] },
      judge: { targets: [{ provider: 'judgeup', model: 'judge-model' }] },
    },
  });
});
after(async () => {
  await gateway.stop();
  await judgeUp.close();
});

function evalRun(suite: string, ...flags: string[]) {
  const file = join(dir, `${suite.length}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, suite);
  return runGatehouseAsync(['eval', 'run', file, ...flags], {
    cwd: dir,
    env: { GATEHOUSE_URL: gateway.url, GATEHOUSE_KEY: testMasterKey, GATEHOUSE_MASTER_KEY: testMasterKey },
  });
}

const passing = `
model: support-bot
cases:
  - input: "How do I reset my password?"
    assert:
      - { type: contains, value: "reset" }
      - { type: regex, value: "^Mock answer" }
      - { type: latency, max_ms: 10000 }
      - { type: cost, max_usd: 0.01 }
      - { type: llm_judge, model: judge, rubric: "Answers politely and correctly", threshold: 0.7 }
  - file: cases.jsonl
tolerance: 0.02
`;

test('a passing suite exits 0, writes its reports, is stored, and a re-run is answered from the cache', async () => {
  writeFileSync(
    join(dir, 'cases.jsonl'),
    `${JSON.stringify({ input: 'Where is my invoice?', assert: [{ type: 'contains', value: 'invoice' }] })}\n`,
  );
  const out = join(dir, 'report.json');
  const md = join(dir, 'report.md');
  const first = await evalRun(passing, '--out', out, '--markdown', md, '--concurrency', '2');
  assert.equal(first.code, 0, first.stdout + first.stderr);
  assert.match(first.stdout, /PASS: 2\/2 passed/);
  const report = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(report.pass_rate, 1);
  assert.equal(report.results.length, 2);
  assert.ok(report.results[0].cost_usd > 0, JSON.stringify(report.results[0]));
  assert.match(report.results[0].assertions[4].detail, /score 0\.9/);
  assert.match(readFileSync(md, 'utf8'), /\*\*PASS\*\* — 2\/2 passed/);
  const stored = await admin('GET', '/admin/evals');
  assert.equal(stored.body.data[0].pass_rate, 1);
  assert.equal(stored.body.data[0].verdict, 'pass');
  const judged = judgeUp.requests.length;
  const second = await evalRun(passing, '--out', out);
  assert.equal(second.code, 0, second.stdout + second.stderr);
  assert.equal(judgeUp.requests.length, judged, 'the judge was not asked again');
  assert.ok(JSON.parse(readFileSync(out, 'utf8')).results.every((r: any) => r.cached));
  const fresh = await evalRun(passing, '--no-cache', '--out', out);
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.ok(JSON.parse(readFileSync(out, 'utf8')).results.every((r: any) => !r.cached));
});

const halfFailing = `
model: support-bot
cases:
  - input: "hello"
    assert: [{ type: contains, value: "hello" }]
  - input: "bye"
    assert: [{ type: equals, value: "something else entirely" }]
tolerance: 0.02
`;

test('a failed case exits 1 without a baseline; against a baseline, only a drop past the tolerance does', async () => {
  const alone = await evalRun(halfFailing);
  assert.equal(alone.code, 1, alone.stdout + alone.stderr);
  assert.match(alone.stdout, /FAILED: 1\/2 passed/);
  const better = join(dir, 'better.json');
  writeFileSync(better, JSON.stringify({ pass_rate: 1 }));
  const regressed = await evalRun(halfFailing, '--baseline', better);
  assert.equal(regressed.code, 1, regressed.stdout);
  assert.match(regressed.stdout, /REGRESSION/);
  const same = join(dir, 'same.json');
  writeFileSync(same, JSON.stringify({ pass_rate: 0.51 }));
  const within = await evalRun(halfFailing, '--baseline', same);
  assert.equal(within.code, 0, within.stdout + within.stderr);
});

test('a malformed suite exits 2 with what is wrong, before anything is sent', async () => {
  const before = (await admin('GET', '/admin/logs?limit=500')).body.data.length;
  const cases: Array<[string, RegExp]> = [
    ['model: a\nmodels: [b]\ncases: [{ input: x }]\n', /exactly one of model, models or experiment/],
    ['model: a\ncases: [{ input: x, assert: [{ type: sounds_good }] }]\n', /cases\.0/],
    ['model: a\ncases: []\n', /cases/],
    ['model: a\ncases: [{ file: missing.jsonl }]\n', /cannot read missing\.jsonl/],
    ['model: [unclosed\n', /cannot read the suite/],
  ];
  for (const [suite, message] of cases) {
    const res = await evalRun(suite);
    assert.equal(res.code, 2, suite + res.stdout + res.stderr);
    assert.match(res.stderr, message);
  }
  const afterCount = (await admin('GET', '/admin/logs?limit=500')).body.data.length;
  assert.equal(afterCount, before);
});
