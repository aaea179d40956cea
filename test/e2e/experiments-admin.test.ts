// GET /admin/experiments: the configured experiments beside what their variants did — requests,
// errors, latency, cost and scores per variant, and the shadow's calls.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminClient } from '../helpers/admin.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';

test('experiments are listed with their variants’ numbers over the range asked', async () => {
  const g = await startTestGateway({
    ...mockOnlyConfig,
    experiments: {
      trial: {
        model: 'chat',
        sticky_by: 'header:x-session',
        variants: {
          control: { model: 'mock-fast', weight: 75 },
          candidate: { model: 'mock-smart', weight: 25 },
        },
        shadow: { model: 'mock-smart', percent: 100 },
      },
      idle: { model: 'other', variants: { only: { model: 'mock-fast', weight: 1 } } },
    },
  });
  try {
    const admin = adminClient(() => g);
    const served: Record<string, number> = { 'mock-fast': 0, 'mock-smart': 0 };
    for (let i = 0; i < 24; i++) {
      const res = await fetch(`${g.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${testMasterKey}`,
          'content-type': 'application/json',
          'x-session': `s${i}`,
        },
        body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
      });
      await res.arrayBuffer();
      assert.equal(res.status, 200);
      served[res.headers.get('x-gatehouse-model')!]!++;
    }
    // The request log is written in batches: read until every request is in.
    let body: any;
    for (let i = 0; i < 100; i++) {
      body = (await admin('GET', '/admin/experiments?since=1h')).body;
      const trial = body.data.find((e: any) => e.name === 'trial');
      const routed = trial.variants.reduce((n: number, v: any) => n + v.requests, 0);
      if (routed === 24 && trial.shadow.requests === 24) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(
      body.data.map((e: any) => [e.name, e.model, e.status]),
      [
        ['idle', 'other', 'running'],
        ['trial', 'chat', 'running'],
      ],
    );
    const trial = body.data.find((e: any) => e.name === 'trial');
    const variants = Object.fromEntries(trial.variants.map((v: any) => [v.name, v]));
    assert.deepEqual(
      [variants.control.model, variants.control.weight, variants.control.share],
      ['mock-fast', 75, 0.75],
    );
    assert.equal(variants.control.requests, served['mock-fast']);
    assert.equal(variants.candidate.requests, served['mock-smart']);
    assert.equal(variants.control.errors, 0);
    assert.equal(variants.control.error_rate, 0);
    assert.equal(typeof variants.control.latency_p95_ms, 'number');
    // Shadow calls are counted apart from the variants, with how many answered differently.
    assert.deepEqual(
      [trial.shadow.model, trial.shadow.percent, trial.shadow.requests],
      ['mock-smart', 100, 24],
    );
    assert.equal(typeof trial.shadow.differed, 'number');
    // The request log narrows to one variant's requests, as the console's variant links read it.
    for (const name of ['control', 'candidate']) {
      const logs = (await admin('GET', `/admin/logs?experiment=trial&variant=${name}&since=1h&limit=100`))
        .body;
      assert.equal(logs.data.length, variants[name].requests, name);
      assert.ok(logs.data.every((e: any) => e.experiment === 'trial' && e.variant === name));
    }
    const shadowLogs = (await admin('GET', '/admin/logs?experiment=trial&variant=shadow&since=1h&limit=100'))
      .body;
    assert.equal(shadowLogs.data.length, 24);
    // The one admin contract: a list is { data, next_cursor }, times are ISO 8601.
    assert.equal(body.next_cursor, null);
    assert.ok(!Number.isNaN(Date.parse(body.since)) && body.since.endsWith('Z'));
    const idle = body.data.find((e: any) => e.name === 'idle');
    assert.deepEqual(
      idle.variants.map((v: any) => [v.name, v.requests, v.error_rate]),
      [['only', 0, null]],
    );

    const one = (await admin('GET', '/admin/experiments?experiment=idle')).body;
    assert.deepEqual(
      one.data.map((e: any) => e.name),
      ['idle'],
    );
    const before = (await admin('GET', '/admin/experiments?until=2h&since=3h')).body;
    assert.ok(before.data.every((e: any) => e.variants.every((v: any) => v.requests === 0)));

    for (const [query, param] of [
      ['since=soon', 'since'],
      ['since=1h&until=2h', 'until'],
      ['variant=a', 'variant'],
    ]) {
      const res = await admin('GET', `/admin/experiments?${query}`);
      assert.equal(res.status, 400, `${query}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.param, param, query);
    }
  } finally {
    await g.stop();
  }
});

test('an experiment taken out of the configuration is listed as ended while it has traffic', async () => {
  const experiments = {
    old: { model: 'chat', variants: { a: { model: 'mock-fast', weight: 1 } } },
  };
  const g = await startTestGateway({ ...mockOnlyConfig, experiments }, { configSource: 'database' });
  try {
    const admin = adminClient(() => g);
    const res = await fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    const put = await admin('PUT', '/admin/config', { config: mockOnlyConfig });
    assert.equal(put.body.outcome, 'applied', JSON.stringify(put.body));
    let body: any;
    for (let i = 0; i < 100; i++) {
      body = (await admin('GET', '/admin/experiments?since=1h')).body;
      if (body.data.length > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(body.data, [
      {
        name: 'old',
        model: null,
        sticky_by: null,
        status: 'ended',
        variants: [
          {
            name: 'a',
            model: null,
            weight: null,
            share: null,
            requests: 1,
            errors: 0,
            error_rate: 0,
            latency_p50_ms: body.data[0].variants[0].latency_p50_ms,
            latency_p95_ms: body.data[0].variants[0].latency_p95_ms,
            cost_usd: body.data[0].variants[0].cost_usd,
            scores: {},
          },
        ],
        shadow: null,
      },
    ]);
  } finally {
    await g.stop();
  }
});
