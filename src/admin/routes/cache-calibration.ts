// /admin/cache/calibration: the semantic cache's measured false-hit rate. A sampled share of would-be
// semantic hits (cache.semantic.calibration_rate) still goes upstream and the fresh answer is compared
// with the cached one; this reports, per model and team, how often they disagreed — the evidence
// for raising or lowering cache.semantic.threshold. Counted since this replica started.
import { z } from 'zod';
import { defineRoute } from '../route.ts';

const row = z.object({
  model: z.string().describe('The model name clients asked for'),
  team_id: z.string().nullable().describe('The team of the sampled requests; null for the master key'),
  samples: z.number().int().describe('Would-be semantic hits sent upstream and compared'),
  false_hits: z.number().int().describe('Those whose fresh answer disagreed with the cached one'),
  false_hit_rate: z.number().describe('false_hits / samples'),
  mean_similarity: z.number().describe('Mean prompt similarity of the samples'),
  mean_false_hit_similarity: z.number().nullable().describe('Mean prompt similarity of the false hits'),
});

export const cacheCalibrationRoutes = [
  defineRoute({
    method: 'GET',
    path: '/admin/cache/calibration',
    summary: "The semantic cache's measured false-hit rate per model and team (self-calibration)",
    response: z.object({
      enabled: z.boolean().describe('false when the configuration has no cache.semantic block'),
      threshold: z.number().nullable().describe('cache.semantic.threshold in force'),
      calibration_rate: z.number().describe('Share of would-be hits sampled (0: calibration is off)'),
      data: z.array(row),
      next_cursor: z.null(),
    }),
    handle: async ({ deps }) => {
      const semantic = deps.semanticCache;
      return {
        enabled: semantic !== undefined,
        threshold: semantic?.threshold ?? null,
        calibration_rate: semantic?.calibrationRate ?? 0,
        data: (semantic?.calibrationReport() ?? []).map((r) => ({
          model: r.model,
          team_id: r.team === '' ? null : r.team,
          samples: r.samples,
          false_hits: r.falseHits,
          false_hit_rate: r.samples > 0 ? r.falseHits / r.samples : 0,
          mean_similarity: r.meanSimilarity,
          mean_false_hit_similarity: r.meanFalseHitSimilarity,
        })),
        next_cursor: null,
      };
    },
  }),
];
