// Tool rules of a key, team or user, beside its budget and limits: which tools of the MCP gateway it
// may call (globs over `<server>__<tool>`, `!` entries deny), how many calls a minute each tool
// takes, and narrowings of a tool's input schema (an argument forced to a value or a set).
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { Schema } from '../store/schema.ts';
import type { Scope } from './refs.ts';

/** A narrowing of one argument: `const` forces the value, `enum` bounds it. */
export type ArgNarrowing = { const: unknown } | { enum: unknown[] };

export interface ToolRulesInput {
  tools?: string[] | null | undefined;
  tool_limits?: Record<string, number> | null | undefined;
  tool_args?: Record<string, Record<string, ArgNarrowing>> | null | undefined;
}

export interface ToolRulesView {
  tools: string[] | null;
  tool_limits: Record<string, number> | null;
  tool_args: Record<string, Record<string, ArgNarrowing>> | null;
}

/** One owner's tool rules as a principal carries them. */
export interface ToolRule {
  scope: Scope;
  id: string;
  name: string;
  tools?: string[];
  /** Glob → calls per minute of each tool it matches. */
  limits?: Record<string, number>;
  args?: Record<string, Record<string, ArgNarrowing>>;
}

const glob = z.string().min(1).max(300);
const narrowing = z.union([
  z.strictObject({ const: z.unknown() }),
  z.strictObject({ enum: z.array(z.unknown()).min(1).max(100) }),
]);
export const toolRulesInputShape = {
  tools: z
    .array(glob)
    .max(500)
    .nullable()
    .optional()
    .describe('Tools it may call: globs over <server>__<tool>; "!" entries deny (null: no restriction).'),
  tool_limits: z
    .record(glob, z.number().int().min(1).max(2_147_483_647))
    .nullable()
    .optional()
    .describe('Calls per minute of each tool a glob matches, e.g. {"github__*": 30}.'),
  tool_args: z
    .record(glob, z.record(z.string().min(1).max(200), narrowing))
    .nullable()
    .optional()
    .describe(
      'Narrowed tool inputs: {"github__*": {"read_only": {"const": true}}} forces an argument; {"enum": [...]} bounds it.',
    ),
};
export const toolRulesViewShape = {
  tools: z.array(z.string()).nullable(),
  tool_limits: z.record(z.string(), z.number()).nullable(),
  tool_args: z.record(z.string(), z.record(z.string(), z.unknown())).nullable(),
};

const parse = <T>(text: string | null | undefined): T | null => (text ? (JSON.parse(text) as T) : null);

export async function readToolRules(
  db: Kysely<Schema> | Transaction<Schema>,
  scope: Scope,
  id: string,
): Promise<ToolRulesView> {
  const row = await db
    .selectFrom('tool_rules')
    .selectAll()
    .where('scope', '=', scope)
    .where('scope_id', '=', id)
    .executeTakeFirst();
  return {
    tools: parse(row?.tools),
    tool_limits: parse(row?.tool_limits),
    tool_args: parse(row?.tool_args),
  };
}

/** Changes the fields given (null clears one); a row with nothing left is removed. */
export async function writeToolRules(
  trx: Transaction<Schema>,
  scope: Scope,
  id: string,
  change: ToolRulesInput,
): Promise<void> {
  if (change.tools === undefined && change.tool_limits === undefined && change.tool_args === undefined)
    return;
  const current = await readToolRules(trx, scope, id);
  const next: ToolRulesView = {
    tools: change.tools === undefined ? current.tools : change.tools,
    tool_limits: change.tool_limits === undefined ? current.tool_limits : change.tool_limits,
    tool_args: change.tool_args === undefined ? current.tool_args : change.tool_args,
  };
  await trx.deleteFrom('tool_rules').where('scope', '=', scope).where('scope_id', '=', id).execute();
  if (next.tools === null && next.tool_limits === null && next.tool_args === null) return;
  const text = (value: unknown) => (value === null ? null : JSON.stringify(value));
  await trx
    .insertInto('tool_rules')
    .values({
      scope,
      scope_id: id,
      tools: text(next.tools),
      tool_limits: text(next.tool_limits),
      tool_args: text(next.tool_args),
      updated_at: Date.now(),
    })
    .execute();
}

export async function deleteToolRules(trx: Transaction<Schema>, scope: Scope, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await trx.deleteFrom('tool_rules').where('scope', '=', scope).where('scope_id', 'in', ids).execute();
}

/** The tool rules of a principal's owners, in the order given (key, team, user). */
export async function toolRulesFor(
  db: Kysely<Schema>,
  owners: Array<{ scope: Scope; id: string; name: string }>,
): Promise<ToolRule[]> {
  // biome-ignore lint/suspicious/noExplicitAny: kysely's expression builder type
  const match = (eb: any) =>
    eb.or(owners.map((o) => eb.and([eb('scope', '=', o.scope), eb('scope_id', '=', o.id)])));
  const rows = await db.selectFrom('tool_rules').selectAll().where(match).execute();
  const rules: ToolRule[] = [];
  for (const owner of owners) {
    const row = rows.find((r) => r.scope === owner.scope && r.scope_id === owner.id);
    if (!row) continue;
    const rule: ToolRule = { scope: owner.scope, id: owner.id, name: owner.name };
    const tools = parse<string[]>(row.tools);
    const limits = parse<Record<string, number>>(row.tool_limits);
    const args = parse<Record<string, Record<string, ArgNarrowing>>>(row.tool_args);
    if (tools) rule.tools = tools;
    if (limits) rule.limits = limits;
    if (args) rule.args = args;
    rules.push(rule);
  }
  return rules;
}
