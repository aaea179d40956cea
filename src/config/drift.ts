// The `drift:` block of gatehouse.yaml: drift detection on the request log (src/drift/,
// docs/drift.md explains every key and the statistics behind the thresholds).
import { z } from 'zod';
import { ttlSeconds } from './cache.ts';

const durationSchema = (what: string) =>
  z
    .union([z.number(), z.string()])
    .refine((value) => ttlSeconds(value) !== undefined, 'seconds, or a duration such as 30m, 1h, 7d')
    .transform((value) => ttlSeconds(value) as number)
    .describe(`${what}: seconds, or a duration such as 30m, 1h, 7d.`);

export const driftSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    interval_s: z.number().int().min(10).max(86_400).default(300).describe('Seconds between checks.'),
    window: durationSchema('The recent window').default(3_600),
    baseline: durationSchema('The baseline window, just before the recent one').default(7 * 86_400),
    min_samples: z
      .number()
      .int()
      .min(10)
      .default(100)
      .describe('Fewer samples than this in either window: the metric is skipped, not judged.'),
    max_samples: z
      .number()
      .int()
      .min(100)
      .max(100_000)
      .default(5_000)
      .describe('At most this many requests are read per window (the newest), to keep checks cheap.'),
    max_groups: z.number().int().min(1).max(1_000).default(50).describe('Busiest groups checked per run.'),
    embedding_model: z
      .string()
      .default('builtin')
      .describe('builtin: the offline hashed embedder; else a configured model called for embeddings.'),
    demote: z
      .strictObject({
        enabled: z.boolean().default(false),
        score: z.string().min(1).optional().describe('The score name judged; every score when absent.'),
        min_score: z.number().optional().describe('A target whose mean score falls below this is demoted.'),
        max_error_rate: z
          .number()
          .gt(0)
          .lt(1)
          .optional()
          .describe('A target whose error rate in the recent window rises above this is demoted.'),
        min_samples: z.number().int().min(1).default(20).describe('Fewer requests or scores: no verdict.'),
      })
      .prefault({})
      .describe('Demotion of degraded targets: their circuit breaker is held open while they stay degraded.'),
    thresholds: z
      .strictObject({
        psi: z.number().positive().default(0.2),
        ks_p: z.number().gt(0).lt(1).default(0.001),
        ks_d: z.number().gt(0).lt(1).default(0.1),
        rate_p: z.number().gt(0).lt(1).default(0.001),
        rate_delta: z.number().gt(0).lt(1).default(0.03),
      })
      .prefault({}),
  })
  .describe(
    'Drift detection: a recent window of the request log against a baseline, per model, route and team.',
  );

export type DriftConfig = z.output<typeof driftSchema>;
