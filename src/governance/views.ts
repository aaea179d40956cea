// What the admin API shows of teams, users and keys: explicit views with snake_case fields and
// ISO 8601 times, declared once as zod schemas (the OpenAPI document is generated from them).
import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { KeysTable, TeamsTable, UsersTable } from '../store/schema.ts';

/** Epoch milliseconds → ISO 8601 UTC. */
export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(Number(ms)).toISOString();
}

/**
 * USD for display: nine decimal places remove float noise (0.00017199999999999998 → 0.000172) and
 * keep a sub-micro-dollar request (one cheap embedding) from showing as free.
 */
export const usd = (value: number) => Math.round(value * 1e9) / 1e9;

/** Whole milliseconds, rounded up: a clock that ran never shows 0. */
export const wholeMs = (value: number) => Math.ceil(value);

const timestamp = z.iso.datetime({ offset: true });
const logBodies = z.enum(['off', 'metadata', 'full']);
const modelList = z.array(z.string()).nullable().describe('Allowed model names or globs; null allows all');
const metadata = z.record(z.string(), z.string());

export const teamSchema = z.object({
  id: z.string(),
  name: z.string(),
  models: modelList,
  metadata,
  log_bodies: logBodies.nullable().describe('off | metadata | full; null follows the configuration'),
  retention_days: z.number().int().nullable().describe('null follows the configuration'),
  region: z.string().nullable().describe('Data-residency region; null is the default store'),
  created_at: timestamp,
});
export type Team = z.infer<typeof teamSchema>;

export const userSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  teams: z.array(z.string()).describe('Ids of the teams the user is a member of'),
  models: modelList,
  metadata,
  created_at: timestamp,
});
export type User = z.infer<typeof userSchema>;

export const keySchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string().describe("The key's first characters, to recognise it; never enough to use it"),
  team: z.string().describe("The team's id"),
  user: z.string().nullable().describe("The user's id"),
  models: modelList,
  metadata,
  log_bodies: logBodies.nullable().describe("Overrides the team's body logging; null follows the team"),
  expires_at: timestamp.nullable(),
  revoked_at: timestamp.nullable(),
  previous_expires_at: timestamp
    .nullable()
    .describe("While a rotation's overlap lasts, the replaced secret works until this time"),
  deleted_at: timestamp.nullable().describe('A deleted key is revoked and kept for history'),
  created_at: timestamp,
});
export type KeyView = z.infer<typeof keySchema>;
export const createdKeySchema = keySchema.extend({
  key: z.string().describe('The secret: shown only in this answer'),
});

const parseList = (text: string | null): string[] | null =>
  text === null ? null : (JSON.parse(text) as string[]);
const parseLogBodies = (value: string | null) => value as Team['log_bodies'];

export function teamView(row: Selectable<TeamsTable>): Team {
  return {
    id: row.id,
    name: row.name,
    models: parseList(row.models),
    metadata: JSON.parse(row.metadata),
    log_bodies: parseLogBodies(row.log_bodies),
    retention_days: row.retention_days,
    region: row.region,
    created_at: iso(row.created_at),
  };
}

export function userView(row: Selectable<UsersTable>, teams: string[]): User {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    teams,
    models: parseList(row.models),
    metadata: JSON.parse(row.metadata),
    created_at: iso(row.created_at),
  };
}

export function keyView(row: Selectable<KeysTable>): KeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    team: row.team_id,
    user: row.user_id,
    models: parseList(row.models),
    metadata: JSON.parse(row.metadata),
    log_bodies: parseLogBodies(row.log_bodies),
    expires_at: iso(row.expires_at),
    revoked_at: iso(row.revoked_at),
    previous_expires_at: iso(row.previous_expires_at),
    deleted_at: iso(row.deleted_at),
    created_at: iso(row.created_at),
  };
}
