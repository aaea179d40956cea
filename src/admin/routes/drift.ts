// /admin/drift: drift detection's findings (docs/drift.md) — per model, route and team, each
// metric's verdict with both windows' summaries and distributions, so that the console can draw the
// comparison — and their history. Admins only: a model's or route's group pools every team's traffic.
import { z } from 'zod';
import { type DriftReport, type Finding, latestCheck, listFindings } from '../../drift/index.ts';
import { decodeCursor, encodeCursor, listOf, paging, positionCursor } from '../contract.ts';
import type { AdminDeps } from '../deps.ts';
import { defineRoute } from '../route.ts';
import { parseTime } from '../usage.ts';

const summary = z
  .union([
    z.object({
      n: z.number().int(),
      mean: z.number(),
      p10: z.number(),
      p25: z.number(),
      p50: z.number(),
      p75: z.number(),
      p90: z.number(),
    }),
    z.object({ n: z.number().int(), shares: z.record(z.string(), z.number()) }),
    z.object({ n: z.number().int(), rate: z.number() }),
  ])
  .describe('A window: quantiles (continuous), shares per category (mixes) or a rate');

const bins = z
  .object({
    edges: z.array(z.number()).describe('bins + 1 edges; the outer bins also hold what lies beyond'),
    baseline: z.array(z.number()).describe('Share of the baseline window per bin'),
    recent: z.array(z.number()).describe('Share of the recent window per bin'),
  })
  .describe('Continuous metrics: both windows over the same bins, to draw side by side');

const threshold = z
  .object({ statistic: z.number(), p: z.number().optional() })
  .describe('A metric drifts when its statistic is above `statistic` (and its p below `p`)');

const metric = z.object({
  metric: z
    .string()
    .describe(
      'input_tokens, output_tokens, latency_ms, finish_reason, outcome, error_rate, refusal_rate, tool_call_rate, language, topic, score:<name>',
    ),
  test: z.enum(['ks', 'psi', 'rate']),
  drifted: z.boolean(),
  statistic: z.number().describe('KS D, the PSI, or the change of a rate'),
  p: z.number().optional().describe('p-value (KS and rates)'),
  centroid_distance: z
    .number()
    .optional()
    .describe('Cosine distance of the windows’ input centroids (topic)'),
  threshold,
  baseline: summary,
  recent: summary,
  bins: bins.optional(),
  skipped: z.string().optional().describe('Why there is no verdict'),
});

const span = z.object({ from: z.string(), to: z.string() }).nullable();

const report = z.object({
  enabled: z.boolean().describe('false when the configuration has no enabled drift block'),
  checked_at: z.string().nullable().describe('When the last check ran; null before the first'),
  window: span,
  baseline: span,
  targets: z
    .array(
      z.object({
        provider: z.string(),
        model: z.string(),
        requests: z.number().int(),
        error_rate: z.number(),
        scores: z.number().int(),
        mean_score: z.number().nullable(),
        degraded: z.boolean(),
        demoted: z.boolean(),
        reasons: z.array(z.string()),
      }),
    )
    .describe('Targets judged for demotion (drift.demote); empty when it is off'),
  data: z.array(
    z.object({
      dimension: z
        .enum(['model', 'route', 'team'])
        .describe('model: as served; route: the model name called'),
      value: z.string(),
      drifted: z.boolean(),
      metrics: z.array(metric),
    }),
  ),
});

function answer(r: DriftReport | undefined, drifted: boolean): z.input<typeof report> {
  return {
    enabled: r !== undefined,
    checked_at: r?.checkedAt ?? null,
    window: r?.window ?? null,
    baseline: r?.baseline ?? null,
    targets: (r?.targets ?? []).map((t) => ({
      provider: t.provider,
      model: t.model,
      requests: t.requests,
      error_rate: t.errorRate,
      scores: t.scores,
      mean_score: t.meanScore,
      degraded: t.degraded,
      demoted: t.demoted ?? false,
      reasons: t.reasons,
    })),
    data: (r?.groups ?? [])
      .filter((g) => !drifted || g.drifted)
      .map((g) => ({
        ...g,
        metrics: g.metrics.map(({ centroidDistance, ...m }) =>
          centroidDistance === undefined ? m : { ...m, centroid_distance: centroidDistance },
        ),
      })),
  };
}

const query = z.strictObject({
  drifted: z.enum(['true', 'false']).optional().describe('true: only groups that drift'),
});

/**
 * The latest check: this replica's, or a newer one another replica (or this one before a restart)
 * stored. Demotion verdicts are this replica's own.
 */
async function latest(deps: AdminDeps): Promise<DriftReport | undefined> {
  const mine = deps.drift?.report;
  if (!mine) return undefined;
  const stored = await latestCheck(deps.db);
  if (!stored?.checkedAt || (mine.checkedAt && mine.checkedAt >= stored.checkedAt)) return mine;
  return { ...stored, targets: mine.targets };
}

const isoSpan = (w: { from: number; to: number }) => ({
  from: new Date(w.from).toISOString(),
  to: new Date(w.to).toISOString(),
});

const finding = z.object({
  id: z.string(),
  checked_at: z.iso.datetime({ offset: true }),
  dimension: z.enum(['model', 'route', 'team']),
  value: z.string(),
  metric: z.string(),
  test: z.enum(['ks', 'psi', 'rate']),
  statistic: z.number(),
  p: z.number().nullable(),
  threshold,
  window: z.object({ from: z.string(), to: z.string() }),
  baseline_window: z.object({ from: z.string(), to: z.string() }),
  baseline: summary,
  recent: summary,
  bins: bins.nullable(),
  summary: z.string().describe('What moved, in words, as the alert said it'),
});

const findingView = (f: Finding): z.input<typeof finding> => ({
  id: f.id,
  checked_at: new Date(f.checkedAt).toISOString(),
  dimension: f.dimension as 'model' | 'route' | 'team',
  value: f.value,
  metric: f.metric,
  test: f.test,
  statistic: f.statistic,
  p: f.p,
  threshold: f.threshold,
  window: isoSpan(f.window),
  baseline_window: isoSpan(f.baselineWindow),
  baseline: f.baseline,
  recent: f.recent,
  bins: f.bins ?? null,
  summary: f.summary,
});

export const driftRoutes = [
  defineRoute({
    method: 'GET',
    path: '/admin/drift',
    summary: 'Drift findings per model, route and team: each metric with both windows’ summaries',
    query,
    response: report,
    handle: async ({ deps, query }) => answer(await latest(deps), query.drifted === 'true'),
  }),
  defineRoute({
    method: 'GET',
    path: '/admin/drift/history',
    summary: 'What moved when: every drifting metric of every check, newest first (kept 30 days)',
    query: z.strictObject({
      dimension: z.enum(['model', 'route', 'team']).optional(),
      value: z.string().optional().describe('The model, route or team id'),
      metric: z.string().optional().describe('e.g. input_tokens, refusal_rate, score:helpful'),
      since: z.string().optional().describe('ISO 8601, epoch ms, or a span back from now (7d)'),
      until: z.string().optional().describe('ISO 8601, epoch ms, or a span back from now'),
      ...paging,
    }),
    response: listOf(finding),
    handle: async ({ deps, query }) => {
      const now = Date.now();
      const after = decodeCursor(query.cursor, positionCursor);
      const page = await listFindings(deps.db, {
        ...(query.dimension ? { dimension: query.dimension } : {}),
        ...(query.value ? { value: query.value } : {}),
        ...(query.metric ? { metric: query.metric } : {}),
        ...(query.since ? { since: parseTime(query.since, 'since', now) } : {}),
        ...(query.until ? { until: parseTime(query.until, 'until', now) } : {}),
        ...(after ? { after } : {}),
        limit: query.limit,
      });
      return {
        data: page.data.map(findingView),
        next_cursor: page.next ? encodeCursor(page.next) : null,
      };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/admin/drift/check',
    summary: 'Runs a drift check now (besides the timer) and answers its findings',
    query,
    bodyOptional: true,
    body: z.strictObject({}),
    response: report,
    handle: async ({ deps, query }) =>
      answer(deps.drift ? await deps.drift.check() : undefined, query.drifted === 'true'),
  }),
];
