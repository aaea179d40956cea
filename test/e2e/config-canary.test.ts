// Canary for configuration: with reload.canary on, a new version serves a hashed slice of requests
// beside the serving one; it is promoted when it does no worse over the window, and rolled back
// (with an alert through the alert webhook) when it does worse.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { until } from '../helpers/until.ts';

describe('a configuration version on trial', () => {
  let gateway: Gateway;
  let file: string;
  let closedPort: number;
  const alerts: any[] = [];
  const webhook = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    alerts.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    res.end();
  });
  const admin = adminClient(() => gateway);

  const configWith = (chat: Record<string, unknown>, extraModel?: string) => ({
    server: { max_event_loop_lag_ms: 0 },
    alerts: { webhook_url: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook` },
    providers: {
      mock: { type: 'mock' },
      gone: { type: 'openai-compatible', base_url: `http://127.0.0.1:${closedPort}/v1` },
    },
    models: {
      chat: { targets: [chat] },
      ...(extraModel ? { [extraModel]: { targets: [{ provider: 'mock', model: 'mock-fast' }] } } : {}),
    },
    reload: {
      watch: false,
      // A window far longer than the test: the verdict is asked for at a time past it (decideTrial).
      canary: { enabled: true, percent: 50, window_s: 3600, min_requests: 10, max_p95_ratio: 5 },
    },
  });

  before(async () => {
    webhook.listen(0, '127.0.0.1');
    await once(webhook, 'listening');
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    closedPort = (closed.address() as AddressInfo).port;
    closed.close();
    file = join(mkdtempSync(join(tmpdir(), 'gatehouse-canary-')), 'gatehouse.yaml');
    const config = configWith({ provider: 'mock', model: 'mock-fast' });
    writeFileSync(file, stringify(config));
    gateway = await startTestGateway(config, { configFile: file });
  });

  after(async () => {
    await gateway.stop(500);
    webhook.close();
  });

  async function send(n: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
      });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    return statuses;
  }

  test('a version that does no worse serves its slice, then everything', async () => {
    const serving = gateway.config.current.version;
    writeFileSync(file, stringify(configWith({ provider: 'mock', model: 'mock-fast' }, 'extra')));
    const outcome = await gateway.reload();
    assert.equal(outcome.outcome, 'canary');
    assert.equal(gateway.config.current.version, serving, 'the serving version still serves');
    const statuses = await send(60);
    assert.deepEqual(new Set(statuses), new Set([200]));
    const status = (await admin('GET', '/admin/config')).body;
    assert.equal(status.canary.version.hash, outcome.version);
    assert.ok(
      status.canary.candidate.requests > 10 && status.canary.stable.requests > 10,
      JSON.stringify(status.canary),
    );
    assert.ok(status.canary.candidate.requests < 50, 'about half, not all, ran on the candidate');
    const ready = await fetch(`${gateway.url}/readyz`).then((r) => r.json());
    assert.equal(ready.config.canary, outcome.version);
    // The request log is written in batches, off the requests: read it until the batch is in.
    let logged = new Set<string>();
    for (let tries = 0; tries < 50 && logged.size < 2; tries++) {
      const logs = (await admin('GET', '/admin/logs?limit=60')).body.data;
      logged = new Set(logs.map((e: { config_version: string }) => e.config_version));
      if (logged.size < 2) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(
      logged,
      new Set([serving, outcome.version]),
      'each event names the version that served it',
    );
    assert.equal(await gateway.config.decideTrial(Date.now()), undefined, 'no verdict inside the window');
    const verdict = await gateway.config.decideTrial(Date.now() + 3_600_000);
    assert.equal(verdict?.outcome, 'promote', verdict?.reason);
    assert.equal(gateway.config.current.version, outcome.version, 'promoted');
    const [latest] = (await admin('GET', '/admin/config/versions')).body.data;
    assert.equal(latest.status, 'applied');
    assert.match(latest.note, /^canary: no worse than/);
    assert.equal((await admin('GET', '/admin/config')).body.canary, null);
  });

  test('a version that does worse is rolled back on its own, with an alert', async () => {
    const serving = gateway.config.current.version;
    writeFileSync(file, stringify(configWith({ provider: 'gone', model: 'nothing' }, 'extra')));
    const outcome = await gateway.reload();
    assert.equal(outcome.outcome, 'canary');
    const statuses = await send(60);
    assert.ok(statuses.includes(200) && statuses.some((s) => s >= 500), `both versions served: ${statuses}`);
    const verdict = await gateway.config.decideTrial(Date.now() + 3_600_000);
    assert.equal(verdict?.outcome, 'roll_back');
    assert.equal(gateway.config.current.trial, undefined, 'the trial ended');
    assert.equal(gateway.config.current.version, serving, 'the serving version stays');
    assert.deepEqual(new Set(await send(20)), new Set([200]), 'every request is served by it again');
    const [latest] = (await admin('GET', '/admin/config/versions')).body.data;
    assert.equal(latest.hash, outcome.version);
    assert.equal(latest.status, 'rolled_back');
    assert.match(latest.note, /error rate/);
    assert.ok(await until(() => alerts.length > 0, 5_000), 'an alert was posted');
    assert.equal(alerts[0].alert.kind, 'config_canary_rolled_back');
    assert.equal(alerts[0].alert.version, outcome.version);
    assert.match(alerts[0].text, /rolled back after its canary trial/);
    const metrics = await fetch(`${gateway.url}/metrics`).then((r) => r.text());
    assert.match(metrics, /gatehouse_config_reloads_total\{outcome="rolled_back"\} 1/);
  });
});
