// Drift history on both stores: findings are kept per drifting metric, read newest first in pages,
// the latest check's full report is the only one kept, and findings past keepDays are deleted.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { openDatabase } from '../store/index.ts';
import { bothStores } from '../../test/helpers/database.ts';
import type { MetricResult } from './compare.ts';
import { keepDays, latestCheck, listFindings, recordCheck } from './history.ts';
import type { DriftReport } from './monitor.ts';

const day = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

function metric(name: string, drifted: boolean): MetricResult {
  return {
    metric: name,
    test: 'ks',
    drifted,
    statistic: drifted ? 0.4 : 0.02,
    p: drifted ? 1e-9 : 0.6,
    threshold: { statistic: 0.1, p: 0.001 },
    baseline: { n: 200, mean: 150, p10: 90, p25: 120, p50: 150, p75: 180, p90: 210 },
    recent: { n: 120, mean: 260, p10: 160, p25: 210, p50: 260, p75: 300, p90: 350 },
    bins: { edges: [0, 100, 200, 300], baseline: [0.3, 0.6, 0.1], recent: [0.05, 0.35, 0.6] },
  };
}

function report(at: number, values: string[]): DriftReport {
  return {
    checkedAt: iso(at),
    window: { from: iso(at - 3_600_000), to: iso(at) },
    baseline: { from: iso(at - 7 * day), to: iso(at - 3_600_000) },
    targets: [],
    groups: values.map((value) => ({
      dimension: 'route',
      value,
      drifted: true,
      metrics: [metric('input_tokens', true), metric('latency_ms', false), metric('output_tokens', true)],
    })),
  };
}

const stores = await bothStores();
after(() => Promise.all(stores.map((s) => s.drop())));

for (const store of stores)
  describe(`drift history on ${store.name}`, { skip: store.skip }, () => {
    test('kept, paged, the latest report only, aged findings deleted', async () => {
      const { db, close } = await openDatabase(store.url!);
      try {
        const now = Date.now();
        const describe = (m: MetricResult) => `${m.metric} moved`;
        await recordCheck(db, report(now - (keepDays + 2) * day, ['old']), describe);
        await recordCheck(db, report(now - 60_000, ['a', 'b']), describe);
        await recordCheck(db, report(now, ['a', 'b', 'c']), describe);
        // The first check aged out with its findings; 2 + 3 groups of 2 drifting metrics remain.
        const all = await listFindings(db, { limit: 100 });
        assert.equal(all.data.length, 10);
        assert.equal(all.next, undefined);
        assert.ok(all.data.every((f) => f.value !== 'old' && f.metric !== 'latency_ms'));
        assert.deepEqual(all.data[0]!.bins, metric('x', true).bins);
        assert.deepEqual(all.data[0]!.threshold, { statistic: 0.1, p: 0.001 });
        assert.equal(all.data[0]!.window.to, all.data[0]!.checkedAt);
        const seen: string[] = [];
        let after: { at: number; id: string } | undefined;
        do {
          const page = await listFindings(db, { limit: 3, ...(after ? { after } : {}) });
          seen.push(...page.data.map((f) => f.id));
          after = page.next;
        } while (after);
        assert.deepEqual(
          seen,
          all.data.map((f) => f.id),
        );
        const narrowed = await listFindings(db, { value: 'c', metric: 'output_tokens', limit: 10 });
        assert.equal(narrowed.data.length, 1);
        const latest = await latestCheck(db);
        assert.equal(latest?.checkedAt, iso(now));
        assert.equal(latest?.groups.length, 3);
        const reports = await db
          .selectFrom('drift_checks')
          .select('id')
          .where('report', 'is not', null)
          .execute();
        assert.equal(reports.length, 1);
      } finally {
        await close();
      }
    });
  });
