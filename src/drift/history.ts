// Drift checks kept in the store: each check's windows and, per group, every metric that moved —
// its statistic against its threshold and both windows' distributions — so that GET
// /admin/drift/history can say what moved when, and the latest check outlives a restart. The full
// report (stable metrics too) is kept for the latest check only: it is what the console draws, and
// keeping one per check would grow by megabytes a day. Findings older than `keepDays` are deleted.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Schema } from '../store/index.ts';
import type { MetricResult } from './compare.ts';
import type { DriftReport } from './report.ts';

export const keepDays = 30;
const dayMs = 86_400_000;

/** Stores a check and its findings; drops the previous check's full report and aged findings. */
export async function recordCheck(
  db: Kysely<Schema>,
  report: DriftReport,
  describe: (m: MetricResult) => string,
): Promise<void> {
  if (!report.checkedAt || !report.window || !report.baseline) return;
  const checkedAt = Date.parse(report.checkedAt);
  const bounds = {
    window_from: Date.parse(report.window.from),
    window_to: Date.parse(report.window.to),
    baseline_from: Date.parse(report.baseline.from),
    baseline_to: Date.parse(report.baseline.to),
  };
  const id = `drift_${randomUUID()}`;
  const findings = report.groups.flatMap((g) =>
    g.metrics
      .filter((m) => m.drifted)
      .map((m) => ({
        id: `finding_${randomUUID()}`,
        check_id: id,
        checked_at: checkedAt,
        dimension: g.dimension,
        value: g.value,
        metric: m.metric,
        test: m.test,
        statistic: m.statistic,
        p: m.p ?? null,
        threshold: JSON.stringify(m.threshold),
        ...bounds,
        baseline: JSON.stringify(m.baseline),
        recent: JSON.stringify(m.recent),
        bins: m.bins ? JSON.stringify(m.bins) : null,
        summary: describe(m),
      })),
  );
  await db.transaction().execute(async (tx) => {
    await tx.updateTable('drift_checks').set({ report: null }).where('report', 'is not', null).execute();
    await tx
      .insertInto('drift_checks')
      .values({
        id,
        checked_at: checkedAt,
        ...bounds,
        groups: report.groups.length,
        drifted: report.groups.filter((g) => g.drifted).length,
        report: JSON.stringify({ ...report, targets: [] }),
      })
      .execute();
    for (let i = 0; i < findings.length; i += 50)
      await tx
        .insertInto('drift_findings')
        .values(findings.slice(i, i + 50))
        .execute();
    const aged = checkedAt - keepDays * dayMs;
    await tx.deleteFrom('drift_findings').where('checked_at', '<', aged).execute();
    await tx.deleteFrom('drift_checks').where('checked_at', '<', aged).execute();
  });
}

/** The latest stored check (any replica's), or undefined before the first. */
export async function latestCheck(db: Kysely<Schema>): Promise<DriftReport | undefined> {
  const row = await db
    .selectFrom('drift_checks')
    .select('report')
    .where('report', 'is not', null)
    .orderBy('checked_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.report ? (JSON.parse(row.report) as DriftReport) : undefined;
}

export interface FindingFilter {
  dimension?: string;
  value?: string;
  metric?: string;
  since?: number;
  until?: number;
  /** Continues after this finding (a page's last). */
  after?: { at: number; id: string };
  limit: number;
}

export interface Finding {
  id: string;
  checkId: string;
  checkedAt: number;
  dimension: string;
  value: string;
  metric: string;
  test: MetricResult['test'];
  statistic: number;
  p: number | null;
  threshold: MetricResult['threshold'];
  window: { from: number; to: number };
  baselineWindow: { from: number; to: number };
  baseline: MetricResult['baseline'];
  recent: MetricResult['recent'];
  bins: MetricResult['bins'] | null;
  summary: string;
}

/** Findings newest first, a page at a time. */
export async function listFindings(
  db: Kysely<Schema>,
  filter: FindingFilter,
): Promise<{ data: Finding[]; next: { at: number; id: string } | undefined }> {
  let q = db.selectFrom('drift_findings').selectAll();
  if (filter.dimension !== undefined) q = q.where('dimension', '=', filter.dimension);
  if (filter.value !== undefined) q = q.where('value', '=', filter.value);
  if (filter.metric !== undefined) q = q.where('metric', '=', filter.metric);
  if (filter.since !== undefined) q = q.where('checked_at', '>=', filter.since);
  if (filter.until !== undefined) q = q.where('checked_at', '<', filter.until);
  const after = filter.after;
  if (after)
    q = q
      .where('checked_at', '<=', after.at)
      .where((eb) =>
        eb.or([
          eb('checked_at', '<', after.at),
          eb.and([eb('checked_at', '=', after.at), eb('id', '<', after.id)]),
        ]),
      );
  const rows = await q
    .orderBy('checked_at', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
    .execute();
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    data: page.map((r) => ({
      id: r.id,
      checkId: r.check_id,
      checkedAt: Number(r.checked_at),
      dimension: r.dimension,
      value: r.value,
      metric: r.metric,
      test: r.test as MetricResult['test'],
      statistic: Number(r.statistic),
      p: r.p === null ? null : Number(r.p),
      threshold: JSON.parse(r.threshold),
      window: { from: Number(r.window_from), to: Number(r.window_to) },
      baselineWindow: { from: Number(r.baseline_from), to: Number(r.baseline_to) },
      baseline: JSON.parse(r.baseline),
      recent: JSON.parse(r.recent),
      bins: r.bins ? JSON.parse(r.bins) : null,
      summary: r.summary,
    })),
    next: rows.length > filter.limit && last ? { at: Number(last.checked_at), id: last.id } : undefined,
  };
}
