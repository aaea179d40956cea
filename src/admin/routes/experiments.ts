// /admin/experiments: each configured experiment (its variants' weights and models, its shadow)
// beside what its variants did over a time range — the usage report by experiment and variant
// (experiment-usage.ts), read once for all experiments. An experiment no longer configured but
// with traffic in the range is listed as ended.
import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { queryUsage } from '../usage.ts';

const scores = z
  .record(z.string(), z.object({ count: z.number().int(), mean: z.number() }))
  .describe('Feedback and evaluator scores per score name');

const stats = {
  requests: z.number().int(),
  errors: z.number().int(),
  error_rate: z.number().nullable().describe('errors / requests; null without requests'),
  latency_p50_ms: z.number().nullable().describe('Of successful requests'),
  latency_p95_ms: z.number().nullable(),
  cost_usd: z.number(),
  scores,
};

const experiment = z.object({
  name: z.string(),
  model: z.string().nullable().describe('The model name callers use; null once no longer configured'),
  sticky_by: z.string().nullable(),
  status: z.enum(['running', 'ended']).describe('ended: not in the serving configuration any more'),
  variants: z.array(
    z.object({
      name: z.string(),
      model: z.string().nullable().describe('null for a variant no longer configured'),
      weight: z.number().nullable(),
      share: z.number().nullable().describe('Its weight over the sum of weights'),
      ...stats,
    }),
  ),
  shadow: z
    .object({
      model: z.string().nullable(),
      percent: z.number().nullable(),
      ...stats,
      differed: z.number().int().describe('Shadow calls that answered differently from the primary'),
    })
    .nullable(),
});

const query = z.strictObject({
  since: z.string().optional().describe('ISO 8601, epoch ms, or a span back from now (default 7d)'),
  until: z.string().optional().describe('ISO 8601, epoch ms, or a span back from now (default now)'),
  experiment: z.string().optional().describe('Only this experiment'),
  region: z.string().optional().describe("Read a data-residency region's store"),
});

type Row = Awaited<ReturnType<typeof queryUsage>>['data'][number];

const empty = { requests: 0, errors: 0, latency_p50_ms: null, latency_p95_ms: null, cost_usd: 0, scores: {} };
const statsOf = (row: Row | undefined) =>
  row
    ? {
        requests: Number(row.requests),
        errors: Number(row.errors),
        error_rate: Number(row.requests) > 0 ? Number(row.errors) / Number(row.requests) : null,
        latency_p50_ms: (row.latency_p50_ms as number | null | undefined) ?? null,
        latency_p95_ms: (row.latency_p95_ms as number | null | undefined) ?? null,
        cost_usd: Number(row.cost_usd),
        scores: (row.scores as z.input<typeof scores> | undefined) ?? {},
      }
    : { ...empty, error_rate: null };

export const experimentRoutes = [
  defineRoute({
    method: 'GET',
    path: '/admin/experiments',
    summary: "Experiments with their variants' requests, errors, latency, cost and scores over a range",
    query,
    response: z.object({
      since: z.iso.datetime({ offset: true }),
      until: z.iso.datetime({ offset: true }),
      data: z.array(experiment),
      next_cursor: z.null().describe('Every experiment is in one answer'),
    }),
    handle: async ({ deps, query }) => {
      const params = new URLSearchParams({ by: 'experiment,variant', bucket: 'none', limit: '1000' });
      for (const name of ['since', 'until', 'experiment'] as const) {
        const value = query[name];
        if (value !== undefined) params.set(name, value);
      }
      const report = await queryUsage(deps.events.database(query.region ?? null).db, params, deps.db);
      const configured = deps.experiments();
      const rows = new Map<string, Map<string, Row>>();
      for (const row of report.data) {
        const name = String(row.experiment);
        const variants = rows.get(name) ?? new Map<string, Row>();
        variants.set(String(row.variant), row);
        rows.set(name, variants);
      }
      const names = new Set([...Object.keys(configured), ...rows.keys()]);
      if (query.experiment !== undefined) for (const n of names) if (n !== query.experiment) names.delete(n);
      const data = [...names].sort().map((name) => {
        const config = configured[name];
        const seen = rows.get(name) ?? new Map<string, Row>();
        const total = Object.values(config?.variants ?? {}).reduce((sum, v) => sum + v.weight, 0);
        const variantNames = new Set([...Object.keys(config?.variants ?? {}), ...seen.keys()]);
        variantNames.delete('shadow');
        const shadowRow = seen.get('shadow');
        return {
          name,
          model: config?.model ?? null,
          sticky_by: config?.sticky_by ?? null,
          status: config ? ('running' as const) : ('ended' as const),
          variants: [...variantNames].map((v) => {
            const variant = config?.variants[v];
            return {
              name: v,
              model: variant?.model ?? null,
              weight: variant?.weight ?? null,
              share: variant && total > 0 ? variant.weight / total : null,
              ...statsOf(seen.get(v)),
            };
          }),
          shadow:
            config?.shadow || shadowRow
              ? {
                  model: config?.shadow?.model ?? null,
                  percent: config?.shadow?.percent ?? null,
                  ...statsOf(shadowRow),
                  differed: Number(shadowRow?.differed ?? 0),
                }
              : null,
        };
      });
      return { since: report.since, until: report.until, data, next_cursor: null };
    },
  }),
];
