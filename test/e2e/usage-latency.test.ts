// Latency and time-to-first-token percentiles at /admin/usage, on SQLite and PostgreSQL: they come
// from the rollups' histograms, and agree with the request events the gateway logged (the same
// estimate from the events' own durations, and always in the bucket of the exact percentile).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import {
  bucketBounds,
  bucketCount,
  bucketOf,
  estimatePercentile,
} from '../../src/telemetry/latency-histogram.ts';
import { bothStores } from '../helpers/database.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';

const stores = await bothStores();
const config = {
  providers: { mock: { type: 'mock' }, slow: { type: 'mock', latency_ms: 30 } },
  models: {
    'mock-fast': { targets: [{ provider: 'mock', model: 'mock-fast' }] },
    'mock-slow': { targets: [{ provider: 'slow', model: 'mock-slow' }] },
  },
};

interface LoggedEvent {
  model: string | null;
  status: number;
  stream: boolean;
  duration_ms: number | null;
  first_byte_ms: number | null;
}

/** The estimate a report should give for these events, and the exact nearest-rank percentile. */
function expected(values: number[], q: number) {
  const counts = new Array(bucketCount).fill(0);
  for (const v of values) counts[bucketOf(v)]++;
  const sorted = [...values].sort((a, b) => a - b);
  return {
    estimate: estimatePercentile(counts, q),
    exact: sorted.length === 0 ? null : sorted[Math.ceil(q * sorted.length) - 1]!,
  };
}

function check(actual: number | null | undefined, values: number[], q: number, what: string) {
  const { estimate, exact } = expected(values, q);
  assert.equal(actual, estimate, what);
  if (exact === null) return;
  const k = bucketOf(exact);
  const lo = k === 0 ? 0 : bucketBounds[k - 1]!;
  assert.ok(
    actual! >= Math.floor(lo) && actual! <= Math.ceil(bucketBounds[k] ?? Infinity),
    `${what}: ${actual} not in the bucket of ${exact}`,
  );
}

for (const store of stores) {
  describe(`usage latency on ${store.name}`, { skip: store.skip ?? false }, () => {
    let gateway: Gateway;
    const admin = async (path: string) => {
      const res = await fetch(gateway.url + path, { headers: { authorization: `Bearer ${testMasterKey}` } });
      const body = (await res.json()) as any;
      assert.equal(res.status, 200, JSON.stringify(body));
      return body;
    };

    before(async () => {
      gateway = await startTestGateway(config, { databaseUrl: store.url! });
    });
    after(async () => {
      await gateway?.stop(0);
      await store.drop();
    });

    test('rows and totals carry p50/p95 latency and TTFT of successful requests from the histograms', async () => {
      const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: testMasterKey, maxRetries: 0 });
      const messages = [{ role: 'user' as const, content: 'how fast is this' }];
      const headers = { 'x-gatehouse-tags': 'env=prod' };
      for (let i = 0; i < 6; i++)
        await client.chat.completions.create({ model: 'mock-fast', messages }, { headers });
      for (let i = 0; i < 4; i++) {
        const stream = await client.chat.completions.create(
          { model: 'mock-slow', messages, stream: true },
          { headers },
        );
        for await (const _ of stream);
      }
      // A failed request is logged, and counts in requests and errors, but not in latency.
      await client.chat.completions.create({ model: 'no-such-model', messages }).catch(() => {});
      let events: LoggedEvent[] = [];
      for (let i = 0; i < 100 && events.length < 11; i++) {
        events = (await admin('/admin/logs?since=1d&limit=100')).data;
        if (events.length < 11) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(events.length, 11);
      const ok = events.filter((e) => e.status < 400 && e.duration_ms !== null);
      assert.equal(ok.length, 10);
      // The logs the overview's errors and latency charts drill down to.
      assert.equal((await admin('/admin/logs?since=1d&status=error')).data.length, 1);
      assert.equal((await admin('/admin/logs?since=1d&status=success')).data.length, 10);
      const latencies = (model?: string) =>
        ok.filter((e) => !model || e.model === model).map((e) => e.duration_ms!);
      const ttfts = (model?: string) =>
        ok.filter((e) => e.stream && (!model || e.model === model)).map((e) => e.first_byte_ms!);

      // Daily rollups (bucket=none), hourly ones (bucket=hour), and the tag rollups.
      for (const path of [
        '/admin/usage?since=1d&bucket=none',
        '/admin/usage?since=1d&bucket=hour&by=model',
      ]) {
        const report = await admin(path);
        assert.equal(report.totals.requests, 11);
        assert.equal(report.totals.errors, 1);
        for (const q of [0.5, 0.95] as const) {
          const p = q === 0.5 ? 'p50' : 'p95';
          check(report.totals[`latency_${p}_ms`], latencies(), q, `${path} totals latency ${p}`);
          check(report.totals[`ttft_${p}_ms`], ttfts(), q, `${path} totals ttft ${p}`);
        }
      }
      const byModel = await admin('/admin/usage?since=1d&bucket=none&by=model');
      const row = (model: string) => byModel.data.find((r: { model: string }) => r.model === model);
      for (const model of ['mock-fast', 'mock-slow']) {
        check(row(model).latency_p50_ms, latencies(model), 0.5, `${model} latency p50`);
        check(row(model).latency_p95_ms, latencies(model), 0.95, `${model} latency p95`);
        check(row(model).ttft_p95_ms, ttfts(model), 0.95, `${model} ttft p95`);
      }
      // Only streamed requests have a time to first token; the mock's delay precedes any byte.
      assert.equal(row('mock-fast').ttft_p50_ms, null);
      assert.ok(row('mock-slow').latency_p50_ms >= 20);
      const unknown = byModel.data.find((r: { errors: number }) => r.errors === 1);
      assert.equal(unknown.latency_p50_ms, null);

      const byTag = await admin('/admin/usage?since=1d&bucket=day&by=tag:env');
      assert.equal(byTag.data[0].tag_value, 'prod');
      check(byTag.data[0].latency_p95_ms, latencies(), 0.95, 'tag env=prod latency p95');
      check(byTag.data[0].ttft_p50_ms, ttfts(), 0.5, 'tag env=prod ttft p50');
    });
  });
}
