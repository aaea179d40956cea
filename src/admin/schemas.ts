// Request bodies of the admin API; strict, so an unknown field is a 400 naming it.
import { z } from 'zod';
import { runRulesInput, toolRulesInputShape } from '../governance/index.ts';

const name = z.string().min(1).max(200);
const models = z.array(z.string().min(1).max(200)).max(500);
const metadata = z.record(z.string().max(200), z.string().max(2000));
const isoDate = z.iso.datetime({
  offset: true,
  message: 'expected an ISO 8601 date-time, e.g. 2026-12-31T00:00:00Z',
});

export const budgetInput = z.strictObject({
  usd: z.number().positive().max(1e9),
  period: z.enum(['day', 'week', 'month', 'total']),
  soft_threshold: z
    .number()
    .gt(0)
    .lt(1)
    .optional()
    .describe('Fraction of the budget at which a notification is sent, e.g. 0.8'),
});
// Limits are stored as 32-bit integers on every store.
const limit = z.number().int().min(1).max(2_147_483_647);
export const limitsInput = z.strictObject({
  rpm: limit.optional(),
  tpm: limit.optional(),
  concurrency: limit.optional(),
});
export const cacheRuleInput = z
  .strictObject({
    mode: z.enum(['exact', 'semantic', 'off']).optional(),
    ttl: z.number().int().min(1).max(2_592_000).optional().describe('Seconds (at most 30 days)'),
    scope: z.enum(['team', 'key', 'user', 'global']).optional().describe('Who shares cached answers'),
  })
  .describe("The response cache for these callers, over the configuration's (docs/cache.md)");
const guardrails = z
  .array(z.string().min(1).max(200))
  .max(100)
  .describe('Names of guardrails in the configuration; they add to the org-wide ones, never remove them');
const rules = {
  budget: budgetInput.optional(),
  limits: limitsInput.optional(),
  guardrails: guardrails.optional(),
  cache: cacheRuleInput.optional(),
  run: runRulesInput.optional(),
  ...toolRulesInputShape,
};
export const rulesInput = z.strictObject({
  budget: budgetInput.nullable().optional(),
  limits: limitsInput.nullable().optional(),
  guardrails: guardrails.nullable().optional(),
  cache: cacheRuleInput.nullable().optional(),
  run: runRulesInput.nullable().optional(),
  ...toolRulesInputShape,
});

const logBodies = z.enum(['off', 'metadata', 'full']);
const policy = {
  log_bodies: logBodies.nullable().optional(),
  retention_days: z.number().int().min(1).max(36_500).nullable().optional(),
  region: z.string().min(1).max(100).nullable().optional(),
};

export const teamInput = z.strictObject({
  name,
  models: models.optional(),
  metadata: metadata.optional(),
  ...policy,
  ...rules,
});
export const userInput = z.strictObject({
  name,
  email: z.email().optional(),
  teams: z.array(name).max(100).optional(),
  models: models.optional(),
  metadata: metadata.optional(),
  ...rules,
});
export const keyInput = z.strictObject({
  name,
  team: name,
  user: name.optional(),
  models: models.optional(),
  metadata: metadata.optional(),
  expires_at: isoDate.optional(),
  log_bodies: logBodies.nullable().optional(),
  ...rules,
});
export const rotateInput = z.strictObject({
  overlap_seconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .default(3600),
});
export const secretInput = z.strictObject({ value: z.string().min(1).max(16_384) });
// A PATCH takes what a GET answered: the fields that cannot change are accepted here and checked
// against the current value by the update itself (a different value is a 400 naming the field).
const timestamp = z.string().max(100);
const readOnly = {
  id: z.string().max(200).optional(),
  created_at: timestamp.optional(),
};

export const keyUpdate = z.strictObject({
  name: name.optional(),
  models: models.nullable().optional(),
  metadata: metadata.optional(),
  expires_at: isoDate.nullable().optional(),
  log_bodies: logBodies.nullable().optional(),
  ...readOnly,
  prefix: z.string().max(100).optional(),
  team: name.optional(),
  user: name.nullable().optional(),
  revoked_at: timestamp.nullable().optional(),
  previous_expires_at: timestamp.nullable().optional(),
  deleted_at: timestamp.nullable().optional(),
});
export const teamUpdate = z.strictObject({
  name: name.optional(),
  models: models.nullable().optional(),
  metadata: metadata.optional(),
  ...policy,
  ...readOnly,
});
export const userUpdate = z.strictObject({
  name: name.optional(),
  email: z.email().nullable().optional(),
  models: models.nullable().optional(),
  metadata: metadata.optional(),
  teams: z.array(name).max(100).optional().describe('Team ids or names: replaces the memberships'),
  ...readOnly,
});

/** Splits a PATCH body into the changes and the read-only fields to check. */
export function splitReadOnly<T extends Record<string, unknown>, K extends string>(
  body: T,
  fields: readonly K[],
): { changes: Omit<T, K>; readOnly: Record<string, unknown> } {
  const changes: Record<string, unknown> = {};
  const fixed: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(body))
    ((fields as readonly string[]).includes(field) ? fixed : changes)[field] = value;
  return { changes: changes as Omit<T, K>, readOnly: fixed };
}
