// The gateway as a user meets it: started by the CLI on the embedded default, health endpoints,
// configuration errors, and a graceful SIGTERM that lets an in-flight stream finish.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runGatehouse, startGatehouse } from '../helpers/cli.ts';

const freshDir = () => mkdtempSync(join(tmpdir(), 'gatehouse-'));

test('starts with no configuration on the mock provider and SQLite under ./.gatehouse', async () => {
  const cwd = freshDir();
  const gh = await startGatehouse([], { cwd });
  try {
    // Without GATEHOUSE_MASTER_KEY a key is generated into a file only this user can read.
    const keyFile = join(cwd, '.gatehouse', 'master.key');
    assert.match(gh.output(), /Generated a master key in .*master\.key/);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    const key = readFileSync(keyFile, 'utf8').trim();
    const anonymous = await fetch(`${gh.url}/v1/models`);
    assert.equal(anonymous.status, 401);
    // What `curl URL -H "Authorization: Bearer $KEY" -d '{...}'` sends: form encoding.
    const res = await fetch(`${gh.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: 'Hello there' }] }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    assert.match(body.choices[0]!.message.content, /Hello there/);
    assert.deepEqual(await (await fetch(`${gh.url}/healthz`)).json(), { status: 'ok' });
    const ready = await fetch(`${gh.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { status: string }).status, 'ready');
    assert.ok(existsSync(join(cwd, '.gatehouse', 'gatehouse.db')));
    const models = (await (await fetch(`${gh.url}/v1/models`, { headers: { 'x-api-key': key } })).json()) as {
      data: Array<{ id: string }>;
    };
    assert.ok(models.data.some((m) => m.id === 'mock-fast'));
  } finally {
    gh.process.kill('SIGKILL');
  }
});

test('SIGTERM finishes an in-flight stream, refuses new work and exits 0', async () => {
  const cwd = freshDir();
  writeFileSync(
    join(cwd, 'gatehouse.yaml'),
    `providers:\n  slow: { type: mock, latency_ms: 800 }\nmodels:\n  slow-model:\n    targets: [{ provider: slow, model: slow-model }]\n`,
  );
  const gh = await startGatehouse(['--config', 'gatehouse.yaml'], {
    cwd,
    env: { GATEHOUSE_MASTER_KEY: 'k' },
  });
  const inFlight = fetch(`${gh.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'slow-model',
      stream: true,
      messages: [{ role: 'user', content: 'still there?' }],
    }),
  }).then(async (res) => ({ status: res.status, text: await res.text() }));
  await new Promise((resolve) => setTimeout(resolve, 300));
  gh.process.kill('SIGTERM');
  const answered = await inFlight;
  assert.equal(answered.status, 200);
  assert.match(answered.text, /"content":"there\?\\""/);
  assert.match(answered.text, /data: \[DONE\]/);
  assert.equal(await gh.exited, 0);
  await assert.rejects(fetch(`${gh.url}/healthz`));
});

test('an invalid configuration is refused with a path-precise message and a non-zero exit', () => {
  const cwd = freshDir();
  writeFileSync(
    join(cwd, 'bad.yaml'),
    'providers:\n  openai: { type: openai, api_key: sk-test }\nmodels:\n  smart:\n    targets:\n      - { provider: openai, model: gpt-4.1 }\n      - { provider: opnai, model: gpt-4.1 }\n',
  );
  const check = runGatehouse(['config', 'check', 'bad.yaml'], { cwd });
  assert.equal(check.code, 1);
  assert.match(check.stderr, /models\.smart\.targets\[1\]\.provider: unknown provider "opnai"/);
  const start = runGatehouse(['start', '--config', 'bad.yaml', '--port', '0'], { cwd });
  assert.equal(start.code, 1);
  assert.match(start.stderr, /unknown provider "opnai"/);
});

test('config check expands ${ENV} references and reports a missing one by path', () => {
  const cwd = freshDir();
  writeFileSync(
    join(cwd, 'env.yaml'),
    'providers:\n  openai: { type: openai, api_key: "${GH_TEST_OPENAI_KEY}" }\n',
  );
  const missing = runGatehouse(['config', 'check', 'env.yaml'], { cwd, env: { GH_TEST_OPENAI_KEY: '' } });
  assert.equal(missing.code, 1);
  assert.match(
    missing.stderr,
    /providers\.openai\.api_key: environment variable GH_TEST_OPENAI_KEY is not set/,
  );
  const present = runGatehouse(['config', 'check', 'env.yaml'], { cwd, env: { GH_TEST_OPENAI_KEY: 'sk-x' } });
  assert.equal(present.code, 0, present.stderr);
  assert.match(present.stdout, /valid/);
});

test('every command answers --help', () => {
  for (const args of [['--help'], ['start', '--help'], ['config', '--help']]) {
    const result = runGatehouse(args);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stdout, /Usage/);
  }
  assert.equal(runGatehouse(['no-such-command']).code, 2);
});

test('the published JSON Schema matches the configuration schema', async () => {
  const { readFileSync } = await import('node:fs');
  const published = JSON.parse(readFileSync(new URL('../../gatehouse.schema.json', import.meta.url), 'utf8'));
  const printed = JSON.parse(runGatehouse(['config', 'schema']).stdout);
  assert.deepEqual(published, printed, 'run `npm run schema` to refresh gatehouse.schema.json');
});
