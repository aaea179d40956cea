// /admin/drift: drift detection's current findings (docs/drift.md) — per model, route and team, each
// metric's verdict with both windows' summaries, so that the console can draw the comparison.
import { z } from 'zod';
import type { DriftReport } from '../../drift/index.ts';
import { defineRoute } from '../route.ts';

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
  baseline: summary,
  recent: summary,
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

export const driftRoutes = [
  defineRoute({
    method: 'GET',
    path: '/admin/drift',
    summary: 'Drift findings per model, route and team: each metric with both windows’ summaries',
    query,
    response: report,
    handle: async ({ deps, query }) => answer(deps.drift?.report, query.drifted === 'true'),
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
