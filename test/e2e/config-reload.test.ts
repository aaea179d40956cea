// Configuration without restarts, with the file as the source: a new file serves new requests while
// the requests in flight finish on the version they started with (none fails), an invalid file is
// refused with config check's messages and the serving version stays, SIGHUP reloads a running
// `gatehouse start`, and every version is listed with its masked diff.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { adminClient } from '../helpers/admin.ts';
import { startGatehouse } from '../helpers/cli.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { until } from '../helpers/until.ts';
import { countedCompletion } from '../upstreams/server.ts';
import type { Gateway } from '../../src/server/index.ts';

/**
 * An upstream on three ports (the gateway opens at most 128 connections to one origin), holding
 * every request until released and noting which model each asked for.
 */
async function heldUpstream() {
  const held: ServerResponse[] = [];
  const models: string[] = [];
  let holding = false;
  const servers = [0, 1, 2].map(() =>
    createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      models.push(JSON.parse(Buffer.concat(chunks).toString('utf8')).model);
      res.writeHead(200, { 'content-type': 'application/json' });
      if (holding) held.push(res);
      else res.end(countedCompletion);
    }),
  );
  const urls: string[] = [];
  for (const server of servers) {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`);
  }
  return {
    urls,
    held,
    models,
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const res of held.splice(0)) res.end(countedCompletion);
    },
    close: () => {
      for (const server of servers) server.close();
    },
  };
}

const lanes = ['a', 'b', 'c'] as const;

function configFor(urls: string[], model: string, extra: Record<string, unknown> = {}) {
  return {
    server: { max_event_loop_lag_ms: 0 },
    providers: Object.fromEntries(
      lanes.map((lane, i) => [
        `upstream-${lane}`,
        { type: 'openai-compatible', base_url: urls[i], api_key: 'sk-live-not-for-logs-1234' },
      ]),
    ),
    models: Object.fromEntries(
      lanes.map((lane) => [`chat-${lane}`, { targets: [{ provider: `upstream-${lane}`, model }] }]),
    ),
    reload: { debounce_ms: 50 },
    ...extra,
  };
}

describe('reloading the configuration file', () => {
  let upstream: Awaited<ReturnType<typeof heldUpstream>>;
  let gateway: Gateway;
  let file: string;
  const lines: string[] = [];
  const admin = adminClient(() => gateway);
  const client = () => new OpenAI({ apiKey: testMasterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });

  before(async () => {
    upstream = await heldUpstream();
    file = join(mkdtempSync(join(tmpdir(), 'gatehouse-reload-')), 'gatehouse.yaml');
    const config = configFor(upstream.urls, 'old-model');
    writeFileSync(file, stringify(config));
    gateway = await startTestGateway(config, { configFile: file, log: (line) => lines.push(line) });
  });

  after(async () => {
    await gateway.stop(1_000);
    upstream.close();
  });

  test('300 requests in flight across a reload all succeed, each on the version it started with', async () => {
    const before = gateway.config.current.version;
    // Held at the upstream, so that they are all in flight when the file changes.
    upstream.hold();
    const holding = upstream;
    const first = Array.from({ length: 300 }, (_, i) =>
      client().chat.completions.create({
        model: `chat-${lanes[i % 3]}`,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    assert.ok(
      await until(() => holding.held.length === 300, 20_000),
      `${holding.held.length} reached the upstream`,
    );
    writeFileSync(file, stringify(configFor(upstream.urls, 'new-model')));
    assert.ok(
      await until(() => gateway.config.current.version !== before, 5_000),
      'the watcher applied the new file',
    );
    const after = Array.from({ length: 84 }, (_, i) =>
      client().chat.completions.create({
        model: `chat-${lanes[i % 3]}`,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    assert.ok(await until(() => holding.held.length === 384, 20_000));
    holding.release();
    const answers = await Promise.allSettled([...first, ...after]);
    const failed = answers.filter((a) => a.status === 'rejected');
    assert.equal(
      failed.length,
      0,
      `failed: ${failed.map((f) => String((f as PromiseRejectedResult).reason)).slice(0, 3)}`,
    );
    assert.deepEqual(
      count(upstream.models),
      { 'old-model': 300, 'new-model': 84 },
      'the requests in flight finished on the old version; the new ones ran on the new one',
    );
  });

  test('an invalid file is refused with the messages of config check, and the old version keeps serving', async () => {
    const serving = gateway.config.current.version;
    writeFileSync(
      file,
      stringify({
        ...configFor(upstream.urls, 'new-model'),
        models: { 'chat-a': { targets: [{ provider: 'opnai', model: 'x' }] } },
      }),
    );
    const outcome = await gateway.reload();
    assert.equal(outcome.outcome, 'refused');
    assert.deepEqual(outcome.problems, ['models.chat-a.targets[0].provider: unknown provider "opnai"']);
    assert.equal(gateway.config.current.version, serving);
    assert.ok(
      lines.some((line) => line.includes('unknown provider "opnai"') && line.includes('not reloaded')),
    );
    const status = await admin('GET', '/admin/config');
    assert.equal(status.status, 200);
    assert.equal(status.body.version.hash, serving);
    assert.deepEqual(status.body.last_error.problems, [
      'models.chat-a.targets[0].provider: unknown provider "opnai"',
    ]);
    const answer = await client().chat.completions.create({
      model: 'chat-a',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(answer.choices[0]?.message.content, 'ok');
    const ready = await fetch(`${gateway.url}/readyz`).then((r) => r.json());
    assert.equal(ready.config.version, serving);
    assert.match(ready.config.last_error, /unknown provider "opnai"/);
  });

  test('an editor saving by rename is seen; versions list the diff with secrets masked', async () => {
    const serving = gateway.config.current.version;
    const temp = `${file}.swp`;
    writeFileSync(temp, stringify(configFor(upstream.urls, 'renamed-model')));
    renameSync(temp, file);
    assert.ok(await until(() => gateway.config.current.version !== serving, 5_000), 'the rename was seen');
    const versions = await admin('GET', '/admin/config/versions');
    assert.equal(versions.status, 200);
    const [latest, refused] = versions.body.data;
    assert.equal(latest.hash, gateway.config.current.version);
    assert.equal(latest.source, 'file');
    assert.equal(latest.status, 'applied');
    assert.match(latest.diff, /^- .*model: new-model$/m);
    assert.match(latest.diff, /^\+ .*model: renamed-model$/m);
    assert.equal(refused.status, 'refused');
    assert.match(refused.note, /unknown provider "opnai"/);
    assert.equal(versions.body.data.at(-1).source, 'startup');
    const shown = await admin('GET', '/admin/config');
    assert.match(shown.body.text, /api_key: "?\*\*\*/);
    const all = JSON.stringify([
      versions.body,
      shown.body,
      (await admin('GET', `/admin/config/versions/${latest.id}`)).body,
    ]);
    assert.ok(!all.includes('sk-live-not-for-logs'), 'no answer holds the provider key');
    const metrics = await fetch(`${gateway.url}/metrics`).then((r) => r.text());
    assert.match(
      metrics,
      new RegExp(`gatehouse_config_version_info\\{hash="${latest.hash}",state="serving"\\} 1`),
    );
  });

  test('a change through the API is a 409 that says the file is the source', async () => {
    const put = await admin('PUT', '/admin/config', { text: 'models: {}' });
    assert.equal(put.status, 409);
    assert.match(put.body.error.message, /file .* is the source of truth/);
    const rollback = await admin('POST', '/admin/config/versions/1/rollback');
    assert.equal(rollback.status, 409);
  });

  test('a setting read only at start is applied later and said so', async () => {
    const outcomeLines = lines.length;
    writeFileSync(
      file,
      stringify(
        configFor(upstream.urls, 'renamed-model', {
          reload: { debounce_ms: 50 },
          server: { port: 4999, max_event_loop_lag_ms: 0 },
        }),
      ),
    );
    const outcome = await gateway.reload();
    assert.equal(outcome.outcome, 'applied');
    assert.deepEqual(outcome.restart_required, ['server.port']);
    assert.ok(lines.slice(outcomeLines).some((line) => /server\.port.*after a restart/.test(line)));
    assert.deepEqual((await admin('GET', '/admin/config')).body.restart_required, ['server.port']);
  });
});

function count(items: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[item] = (out[item] ?? 0) + 1;
  return out;
}

test('SIGHUP makes a running `gatehouse start` reload its file, and keeps it running', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'gatehouse-sighup-'));
  const config = (model: string) => ({
    providers: { mock: { type: 'mock' } },
    models: { [model]: { targets: [{ provider: 'mock', model: 'mock-fast' }] } },
    reload: { watch: false },
  });
  writeFileSync(join(cwd, 'gatehouse.yaml'), stringify(config('before-hup')));
  const running = await startGatehouse(['--config', 'gatehouse.yaml'], {
    cwd,
    env: { GATEHOUSE_MASTER_KEY: testMasterKey, GATEHOUSE_DATABASE_URL: 'sqlite::memory:' },
  });
  try {
    const models = async () =>
      (
        await fetch(`${running.url}/v1/models`, {
          headers: { authorization: `Bearer ${testMasterKey}` },
        }).then((r) => r.json())
      ).data.map((m: { id: string }) => m.id);
    assert.deepEqual(await models(), ['before-hup']);
    writeFileSync(join(cwd, 'gatehouse.yaml'), stringify(config('after-hup')));
    running.process.kill('SIGHUP');
    let seen: string[] = [];
    for (let tries = 0; tries < 50 && !seen.includes('after-hup'); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      seen = await models();
    }
    assert.deepEqual(seen, ['after-hup']);
    assert.match(running.output(), /SIGHUP received: reloading/);
    assert.equal(running.process.exitCode, null, 'the gateway still runs');
  } finally {
    running.process.kill('SIGTERM');
    await running.exited;
  }
});
