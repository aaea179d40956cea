// The `cache:` block of gatehouse.yaml, the per-model `models.<name>.cache` override, and the TTL
// format they share. The exact cache is implemented in src/cache/, the semantic layer in
// src/cache/semantic/; docs/cache.md explains every key.
import { z } from 'zod';

/** Longest TTL anywhere (configuration, rules, the x-gatehouse-cache-ttl header): 30 days. */
export const maxCacheTtlS = 30 * 86_400;

const units = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;

/** `90` (seconds), `"90s"`, `"10m"`, `"1h"`, `"7d"` → seconds; undefined when it is none of those. */
export function ttlSeconds(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1 ? value : undefined;
  const match = /^(\d{1,9})([smhd])?$/.exec(value.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * units[(match[2] ?? 's') as keyof typeof units];
  return seconds >= 1 ? seconds : undefined;
}

export const cacheTtlSchema = z
  .union([z.number(), z.string()])
  .refine((value) => {
    const s = ttlSeconds(value);
    return s !== undefined && s <= maxCacheTtlS;
  }, 'seconds (1 to 2592000), or a duration such as 90s, 10m, 1h, 7d (at most 30d)')
  .describe('Seconds, or a duration: 90s, 10m, 1h, 7d (at most 30d).');

export const cacheModeSchema = z
  .enum(['exact', 'semantic', 'off'])
  .describe('exact: identical requests only; semantic: exact first, then requests that mean the same; off.');

export const cacheScopeSchema = z
  .enum(['team', 'key', 'user', 'global'])
  .describe(
    'Who shares cached answers: the caller\'s team (default), its key, its user, or everyone ("global": teams see each other\'s answers).',
  );

export const exactCacheSchema = z.strictObject({
  ttl: cacheTtlSchema.default(3600),
  max_entries: z
    .number()
    .int()
    .min(1)
    .max(100_000_000)
    .default(10_000)
    .describe('Entries kept; the ones closest to expiry are evicted first.'),
  max_bytes: z
    .number()
    .int()
    .min(1024)
    .max(1024 ** 4)
    .default(256 * 1024 * 1024)
    .describe('Bytes of stored answers kept (SQLite and PostgreSQL stores; Redis obeys its own maxmemory).'),
  max_entry_bytes: z
    .number()
    .int()
    .min(256)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024)
    .describe('A larger answer is served but not stored.'),
});

export const semanticCacheSchema = z.strictObject({
  embedding_model: z
    .string()
    .min(1)
    .describe(
      'builtin (the offline embedder, no call) or a configured model (under models:) that serves embeddings; its calls are recorded and priced.',
    ),
  threshold: z
    .number()
    .gt(0)
    .max(1)
    .default(0.9)
    .describe('Cosine similarity at or above which a cached answer is served (docs/cache.md: the evidence).'),
  ttl: cacheTtlSchema
    .optional()
    .describe('TTL of entries stored by semantic-mode requests; default exact.ttl.'),
  max_entries: z.number().int().min(1).max(10_000_000).default(100_000).describe('Vectors indexed.'),
  lookup_timeout_ms: z
    .number()
    .int()
    .min(1)
    .max(60_000)
    .default(2_000)
    .describe('A semantic lookup (the embedding call included) slower than this is a miss.'),
  calibration_rate: z
    .number()
    .min(0)
    .max(1)
    .default(0)
    .describe(
      'Share of would-be semantic hits still sent upstream, to compare the fresh answer with the cached one and report the false-hit rate.',
    ),
  veto: z
    .strictObject({
      negation: z
        .boolean()
        .default(true)
        .describe('No match when one prompt negates and the other does not.'),
      numbers: z.boolean().default(true).describe('No match when the prompts differ in a number.'),
    })
    .prefault({}),
});

export const qualityGateSchema = z
  .strictObject({
    min_score: z
      .number()
      .min(0)
      .max(1)
      .default(0.7)
      .describe(
        "An entry is served only while the mean of its request's counted scores (booleans as 0/1) is at least this; one that falls below is evicted.",
      ),
    scores: z
      .array(z.string().regex(/^[\w.:-]{1,64}$/, 'a score name: letters, digits and _ . : -'))
      .min(1)
      .optional()
      .describe('The score names that count (feedback names, evaluator names); default all.'),
    require_score: z
      .boolean()
      .default(false)
      .describe('Serve only entries whose request has a counted score; unrated ones are not served.'),
    evict_on_negative_feedback: z
      .boolean()
      .default(true)
      .describe(
        'Feedback of false or ≤ 0 (a counted name) on the request that stored an entry evicts it at once.',
      ),
  })
  .describe(
    "Quality-gated caching (docs/cache.md): an entry is served only while its request's scores and feedback are good.",
  );

export const cacheSchema = z
  .strictObject({
    mode: cacheModeSchema
      .optional()
      .describe('For models that set none: default semantic when semantic: is set, else exact.'),
    scope: cacheScopeSchema.default('team'),
    lookup_timeout_ms: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(100)
      .describe(
        'An exact lookup slower than this (store or Redis down) is a miss; the request goes upstream.',
      ),
    redis_prefix: z
      .string()
      .min(1)
      .max(100)
      .default('gatehouse:')
      .describe(
        'With GATEHOUSE_REDIS_URL: the prefix of the cache keys, for gateways that share a Redis but not a cache.',
      ),
    exact: exactCacheSchema.prefault({}),
    semantic: semanticCacheSchema.optional(),
    quality_gate: qualityGateSchema.optional(),
  })
  .describe('The response cache (docs/cache.md). Off unless this block is present.');

export const modelCacheSchema = z
  .strictObject({
    mode: cacheModeSchema.optional(),
    ttl: cacheTtlSchema.optional(),
  })
  .describe("This model's caching, over the cache: block's.");

export type CacheConfig = z.output<typeof cacheSchema>;
export type CacheMode = z.output<typeof cacheModeSchema>;
export type CacheScope = z.output<typeof cacheScopeSchema>;
export type SemanticCacheConfig = z.output<typeof semanticCacheSchema>;
export type QualityGateConfig = z.output<typeof qualityGateSchema>;
