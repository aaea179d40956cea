// A newcomer's first half hour, as a script: a fresh directory, `gatehouse start` with no
// configuration, a team and a key made with the CLI, the model called with both official SDKs,
// the request log and spend read back with the CLI, and a SIGTERM that stops it cleanly. The
// assertions are on what a person reads: the banner, the CLI's output, the SDKs' answers.
import Anthropic from '@anthropic-ai/sdk';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import OpenAI from 'openai';
import { runGatehouseAsync, startGatehouse } from '../helpers/cli.ts';

test('fresh directory to first answers, logs and spend, then a clean stop', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'gatehouse-newcomer-'));
  // What a terminal shows: readable lines (the test's stdout is a pipe, so ask for them).
  const gh = await startGatehouse([], { cwd, env: { GATEHOUSE_LOG_FORMAT: 'pretty' } });
  try {
    const banner = gh.output();
    assert.match(
      banner,
      /INFO {2}Config: built-in defaults \(the offline mock provider\) \(1 provider, 3 models: mock-fast, mock-smart, mock-embed\)/,
    );
    assert.match(banner, /INFO {2}Store: SQLite \.\/\.gatehouse\/gatehouse\.db/);
    assert.match(banner, /INFO {2}Redis: not configured/);
    assert.match(
      banner,
      /INFO {2}Generated a master key in .*\.gatehouse\/master\.key \(readable by you only\)/,
    );
    assert.match(
      banner,
      /INFO {2}Gatehouse \d+\.\d+\.\d+ listening on http:\/\/127\.0\.0\.1:\d+ \(this machine only/,
    );
    assert.doesNotMatch(banner, /^\{/m, 'no JSON in a terminal');

    // The CLI finds the master key in ./.gatehouse/master.key, as the banner said.
    const cli = (...args: string[]) =>
      runGatehouseAsync([...args, '--url', gh.url], { env: { GATEHOUSE_MASTER_KEY: '' }, cwd });
    const team = await cli('teams', 'create', '--name', 'search', '--models', 'mock-*');
    assert.equal(team.code, 0, team.stderr);
    assert.match(team.stdout, /search/);
    const created = await cli('keys', 'create', '--name', 'newcomer-app', '--team', 'search');
    assert.equal(created.code, 0, created.stderr);
    const key = /gh-[A-Za-z0-9_-]{20,}/.exec(created.stdout)?.[0];
    assert.ok(key, `the key is printed once:\n${created.stdout}`);
    const keyId = /key_[\w-]+/.exec(created.stdout)?.[0];
    assert.ok(keyId, created.stdout);

    const openai = new OpenAI({ baseURL: `${gh.url}/v1`, apiKey: key, maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: 'mock-fast',
      messages: [{ role: 'user', content: 'Hello from the OpenAI SDK' }],
    });
    assert.match(completion.choices[0]!.message.content!, /Hello from the OpenAI SDK/);
    const anthropic = new Anthropic({ baseURL: gh.url, apiKey: key, maxRetries: 0 });
    const message = await anthropic.messages.create({
      model: 'mock-smart',
      max_tokens: 256,
      messages: [{ role: 'user', content: 'Hello from the Anthropic SDK' }],
    });
    assert.equal(message.content[0]!.type, 'text');
    assert.match((message.content[0] as { text: string }).text, /Hello from the Anthropic SDK/);
    // A model outside the team's models is refused in words the SDK passes on.
    await assert.rejects(
      openai.embeddings.create({ model: 'openai/text-embedding-3-small', input: 'x' }),
      (err: Error) => /not allowed|may not|not permitted/i.test(err.message),
    );

    // The request log and spend, read with the CLI. Events are written a moment after each request.
    let tail = { code: 0 as number | null, stdout: '', stderr: '' };
    for (let i = 0; i < 40 && !/mock-smart/.test(tail.stdout); i++) {
      tail = await cli('logs', 'tail', '--once', '--team', team.stdout.match(/team_[\w-]+/)?.[0] ?? 'search');
      if (!/mock-smart/.test(tail.stdout)) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(tail.code, 0, tail.stderr);
    assert.match(tail.stdout, /200 {2}mock-fast {2}mock /);
    assert.match(tail.stdout, /200 {2}mock-smart {2}mock /);
    // Spend by key: the three requests (the refusal among them), their tokens and their cost.
    const spend = await cli('usage', '--by', 'key');
    assert.equal(spend.code, 0, spend.stderr);
    const row = spend.stdout.split('\n').find((line) => line.includes(keyId));
    assert.ok(row, spend.stdout);
    assert.match(row, /newcomer-app\s+3\s+1\s+\d+\s+\d+\s+\$0\.\d{6}$/);
    // (`keys spend` shows a key's budget; spend without a budget is reported by `usage` for now.)
    assert.equal((await cli('keys', 'spend', keyId)).code, 0);

    // The master key file the banner named is the one the CLI used.
    assert.match(readFileSync(join(cwd, '.gatehouse', 'master.key'), 'utf8'), /^gh-master-/);
  } finally {
    gh.process.kill('SIGTERM');
  }
  assert.equal(await gh.exited, 0, gh.output());
  assert.match(gh.output(), /INFO {2}SIGTERM received: finishing in-flight requests, then exiting\./);
  assert.match(gh.output(), /INFO {2}Gatehouse stopped\./);
  await assert.rejects(fetch(`${gh.url}/healthz`));
});
