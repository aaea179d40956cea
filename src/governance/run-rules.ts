// The bounds a team, user or key puts on each agent run (`run` in their rules): steps (model calls),
// tool calls, settled cost, wall time since the run's first call, and identical calls in a row.
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { Schema } from '../store/schema.ts';
import type { Scope } from './refs.ts';

export interface RunRulesInput {
  max_steps?: number | undefined;
  max_tool_calls?: number | undefined;
  max_cost_usd?: number | undefined;
  max_duration_s?: number | undefined;
  max_repeats?: number | undefined;
}

/** One owner's bounds, as the run stage and the tool-call hooks apply them. */
export interface RunRule {
  scope: Scope;
  id: string;
  name: string;
  maxSteps?: number | undefined;
  maxToolCalls?: number | undefined;
  maxCostMicros?: number | undefined;
  maxDurationS?: number | undefined;
  maxRepeats?: number | undefined;
}

const count = z.number().int().min(1).max(1_000_000_000);
export const runRulesInput = z.strictObject({
  max_steps: count.optional().describe('Model calls per run'),
  max_tool_calls: count.optional().describe('Tool calls per run'),
  max_cost_usd: z
    .number()
    .positive()
    .max(1_000_000_000)
    .optional()
    .describe('Settled cost of the model calls, USD'),
  max_duration_s: count.optional().describe("Seconds from the run's first call"),
  max_repeats: count
    .optional()
    .describe(
      'The same tool call (same arguments), or the same model request, at most this many times in a row',
    ),
});
export const runRulesViewSchema = runRulesInput;

type RunRuleRow = Schema['run_rules'];

export async function writeRunRules(
  trx: Transaction<Schema>,
  scope: Scope,
  id: string,
  run: RunRulesInput | null,
): Promise<void> {
  await trx.deleteFrom('run_rules').where('scope', '=', scope).where('scope_id', '=', id).execute();
  if (!run || Object.values(run).every((v) => v === undefined)) return;
  await trx
    .insertInto('run_rules')
    .values({
      scope,
      scope_id: id,
      max_steps: run.max_steps ?? null,
      max_tool_calls: run.max_tool_calls ?? null,
      max_cost_micros: run.max_cost_usd === undefined ? null : Math.round(run.max_cost_usd * 1e6),
      max_duration_s: run.max_duration_s ?? null,
      max_repeats: run.max_repeats ?? null,
      created_at: Date.now(),
    })
    .execute();
}

export async function readRunRules(
  db: Kysely<Schema> | Transaction<Schema>,
  scope: Scope,
  id: string,
): Promise<RunRulesInput | null> {
  const row = await db
    .selectFrom('run_rules')
    .selectAll()
    .where('scope', '=', scope)
    .where('scope_id', '=', id)
    .executeTakeFirst();
  return row ? runRulesView(row) : null;
}

export function runRulesView(row: RunRuleRow): RunRulesInput {
  const view: RunRulesInput = {};
  if (row.max_steps !== null) view.max_steps = Number(row.max_steps);
  if (row.max_tool_calls !== null) view.max_tool_calls = Number(row.max_tool_calls);
  if (row.max_cost_micros !== null) view.max_cost_usd = Number(row.max_cost_micros) / 1e6;
  if (row.max_duration_s !== null) view.max_duration_s = Number(row.max_duration_s);
  if (row.max_repeats !== null) view.max_repeats = Number(row.max_repeats);
  return view;
}

export function runRuleOf(row: RunRuleRow, name: string): RunRule {
  const rule: RunRule = { scope: row.scope, id: row.scope_id, name };
  if (row.max_steps !== null) rule.maxSteps = Number(row.max_steps);
  if (row.max_tool_calls !== null) rule.maxToolCalls = Number(row.max_tool_calls);
  if (row.max_cost_micros !== null) rule.maxCostMicros = Number(row.max_cost_micros);
  if (row.max_duration_s !== null) rule.maxDurationS = Number(row.max_duration_s);
  if (row.max_repeats !== null) rule.maxRepeats = Number(row.max_repeats);
  return rule;
}

export async function deleteRunRules(trx: Transaction<Schema>, scope: Scope, ids: string[]): Promise<void> {
  if (ids.length > 0)
    await trx.deleteFrom('run_rules').where('scope', '=', scope).where('scope_id', 'in', ids).execute();
}
