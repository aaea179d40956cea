// Teams, users and virtual keys. Every change is written with its audit entry in one transaction.
// Keys are stored only as SHA-256 hashes; the key itself is returned once, at creation or rotation.
import type { Kysely, Selectable, Transaction } from 'kysely';
import { GatehouseError } from '../core/errors/index.ts';
import type { KeysTable, Schema, TeamsTable, UsersTable } from '../store/schema.ts';
import { appendAudit } from './audit.ts';
import { generateKey, hashKey, newId } from './crypto.ts';
import { type BudgetInput, type LimitsInput, writeBudget, writeLimits } from './rules.ts';

export { newId };

export interface Team {
  id: string;
  name: string;
  models: string[] | null;
  metadata: Record<string, string>;
  /** off | metadata | full; null follows the configuration. */
  logBodies: string | null;
  retentionDays: number | null;
  region: string | null;
  createdAt: string;
}

/** A team's data policy as the admin API takes it; null clears a setting. */
export interface TeamPolicy {
  log_bodies?: 'off' | 'metadata' | 'full' | null | undefined;
  retention_days?: number | null | undefined;
  region?: string | null | undefined;
}

export interface User {
  id: string;
  name: string;
  email: string | null;
  teams: string[];
  models: string[] | null;
  metadata: Record<string, string>;
  createdAt: string;
}

export interface KeyInfo {
  id: string;
  name: string;
  /** The key's first characters, to recognise it; never enough to use it. */
  prefix: string;
  team: string;
  user: string | null;
  models: string[] | null;
  metadata: Record<string, string>;
  expiresAt: string | null;
  revokedAt: string | null;
  /** While a rotation's overlap lasts, the replaced key works until this time. */
  previousExpiresAt: string | null;
  /** Overrides the team's body logging; null follows the team. */
  logBodies: string | null;
  createdAt: string;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const parseList = (text: string | null): string[] | null =>
  text === null ? null : (JSON.parse(text) as string[]);

export function teamView(row: Selectable<TeamsTable>): Team {
  return {
    id: row.id,
    name: row.name,
    models: parseList(row.models),
    metadata: JSON.parse(row.metadata),
    logBodies: row.log_bodies,
    retentionDays: row.retention_days,
    region: row.region,
    createdAt: iso(row.created_at)!,
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
    createdAt: iso(row.created_at)!,
  };
}

export function keyView(row: Selectable<KeysTable>): KeyInfo {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    team: row.team_id,
    user: row.user_id,
    models: parseList(row.models),
    metadata: JSON.parse(row.metadata),
    expiresAt: iso(row.expires_at),
    revokedAt: iso(row.revoked_at),
    previousExpiresAt: iso(row.previous_expires_at),
    logBodies: row.log_bodies,
    createdAt: iso(row.created_at)!,
  };
}

/** Finds a team by id or by name; a missing one is a 400 naming the field (or 404 for a path id). */
export async function findTeam(
  db: Kysely<Schema> | Transaction<Schema>,
  ref: string,
  field = 'team',
): Promise<Selectable<TeamsTable>> {
  const row = await db
    .selectFrom('teams')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', ref), eb('name', '=', ref)]))
    .executeTakeFirst();
  if (!row)
    throw new GatehouseError('GH_INVALID_REQUEST', `${field}: no team "${ref}"`, {
      param: field,
      ...(field === 'id' ? { status: 404 } : {}),
    });
  return row;
}

export async function findUser(
  db: Kysely<Schema> | Transaction<Schema>,
  ref: string,
  field = 'user',
): Promise<Selectable<UsersTable>> {
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', ref), eb('name', '=', ref)]))
    .executeTakeFirst();
  if (!row)
    throw new GatehouseError('GH_INVALID_REQUEST', `${field}: no user "${ref}"`, {
      param: field,
      ...(field === 'id' ? { status: 404 } : {}),
    });
  return row;
}

export async function userTeams(db: Kysely<Schema> | Transaction<Schema>, userId: string): Promise<string[]> {
  const rows = await db.selectFrom('team_members').select('team_id').where('user_id', '=', userId).execute();
  return rows.map((r) => r.team_id);
}

export async function createTeam(
  db: Kysely<Schema>,
  actor: string,
  input: {
    name: string;
    models?: string[] | undefined;
    metadata?: Record<string, string> | undefined;
  } & Rules &
    TeamPolicy,
): Promise<Team> {
  return db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('teams')
      .select('id')
      .where('name', '=', input.name)
      .executeTakeFirst();
    if (existing)
      throw new GatehouseError('GH_INVALID_REQUEST', `name: a team named "${input.name}" exists`, {
        param: 'name',
        status: 409,
      });
    const now = Date.now();
    const row = {
      id: newId('team'),
      name: input.name,
      models: input.models ? JSON.stringify(input.models) : null,
      metadata: JSON.stringify(input.metadata ?? {}),
      log_bodies: input.log_bodies ?? null,
      retention_days: input.retention_days ?? null,
      region: input.region ?? null,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('teams').values(row).execute();
    await writeRules(trx, 'team', row.id, input);
    const team = teamView(row);
    await appendAudit(trx, {
      actor,
      action: 'team.create',
      targetType: 'team',
      targetId: row.id,
      after: team,
    });
    return team;
  });
}

export async function createUser(
  db: Kysely<Schema>,
  actor: string,
  input: {
    name: string;
    email?: string | undefined;
    teams?: string[] | undefined;
    models?: string[] | undefined;
    metadata?: Record<string, string> | undefined;
  } & Rules,
): Promise<User> {
  return db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('users')
      .select('id')
      .where('name', '=', input.name)
      .executeTakeFirst();
    if (existing)
      throw new GatehouseError('GH_INVALID_REQUEST', `name: a user named "${input.name}" exists`, {
        param: 'name',
        status: 409,
      });
    const teamIds: string[] = [];
    for (const [i, ref] of (input.teams ?? []).entries())
      teamIds.push((await findTeam(trx, ref, `teams[${i}]`)).id);
    const now = Date.now();
    const row = {
      id: newId('user'),
      name: input.name,
      email: input.email ?? null,
      models: input.models ? JSON.stringify(input.models) : null,
      metadata: JSON.stringify(input.metadata ?? {}),
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('users').values(row).execute();
    await writeRules(trx, 'user', row.id, input);
    for (const teamId of teamIds)
      await trx.insertInto('team_members').values({ team_id: teamId, user_id: row.id }).execute();
    const user = userView(row, teamIds);
    await appendAudit(trx, {
      actor,
      action: 'user.create',
      targetType: 'user',
      targetId: row.id,
      after: user,
    });
    return user;
  });
}

interface Rules {
  budget?: BudgetInput | undefined;
  limits?: LimitsInput | undefined;
}

async function writeRules(
  trx: Transaction<Schema>,
  scope: 'key' | 'team' | 'user',
  id: string,
  rules: Rules,
): Promise<void> {
  if (rules.budget) await writeBudget(trx, scope, id, rules.budget);
  if (rules.limits) await writeLimits(trx, scope, id, rules.limits);
}

export interface KeyInput extends Rules {
  name: string;
  team: string;
  user?: string | undefined;
  models?: string[] | undefined;
  metadata?: Record<string, string> | undefined;
  expiresAt?: number | undefined;
  log_bodies?: 'off' | 'metadata' | 'full' | null | undefined;
}

/** Creates a key; the returned `key` is the only time the secret is ever shown. */
export async function createKey(
  db: Kysely<Schema>,
  actor: string,
  input: KeyInput,
): Promise<KeyInfo & { key: string }> {
  return db.transaction().execute(async (trx) => {
    const team = await findTeam(trx, input.team);
    let userId: string | null = null;
    if (input.user !== undefined) {
      const user = await findUser(trx, input.user);
      if (!(await userTeams(trx, user.id)).includes(team.id)) {
        throw new GatehouseError(
          'GH_INVALID_REQUEST',
          `user: "${input.user}" is not a member of team "${team.name}"`,
          { param: 'user' },
        );
      }
      userId = user.id;
    }
    const key = generateKey();
    const now = Date.now();
    const row = {
      id: newId('key'),
      name: input.name,
      hash: hashKey(key),
      previous_hash: null,
      previous_expires_at: null,
      prefix: key.slice(0, 10),
      team_id: team.id,
      user_id: userId,
      models: input.models ? JSON.stringify(input.models) : null,
      metadata: JSON.stringify(input.metadata ?? {}),
      expires_at: input.expiresAt ?? null,
      revoked_at: null,
      log_bodies: input.log_bodies ?? null,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('keys').values(row).execute();
    await writeRules(trx, 'key', row.id, input);
    const info = keyView(row);
    await appendAudit(trx, { actor, action: 'key.create', targetType: 'key', targetId: row.id, after: info });
    return { ...info, key };
  });
}

async function findKey(trx: Transaction<Schema>, id: string): Promise<Selectable<KeysTable>> {
  const row = await trx.selectFrom('keys').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new GatehouseError('GH_INVALID_REQUEST', `no key "${id}"`, { param: 'id', status: 404 });
  return row;
}

export async function revokeKey(db: Kysely<Schema>, actor: string, id: string): Promise<KeyInfo> {
  return db.transaction().execute(async (trx) => {
    const before = await findKey(trx, id);
    const now = Date.now();
    await trx
      .updateTable('keys')
      .set({ revoked_at: before.revoked_at ?? now, updated_at: now })
      .where('id', '=', id)
      .execute();
    const after = keyView(await findKey(trx, id));
    await appendAudit(trx, {
      actor,
      action: 'key.revoke',
      targetType: 'key',
      targetId: id,
      before: keyView(before),
      after,
    });
    return after;
  });
}

/**
 * Issues a new secret for the same key (same id, team, limits and spend). The old secret keeps
 * working for `overlapSeconds`, so clients can be switched without downtime.
 */
export async function rotateKey(
  db: Kysely<Schema>,
  actor: string,
  id: string,
  overlapSeconds: number,
): Promise<KeyInfo & { key: string }> {
  return db.transaction().execute(async (trx) => {
    const before = await findKey(trx, id);
    if (before.revoked_at !== null)
      throw new GatehouseError('GH_INVALID_REQUEST', `key "${id}" is revoked and cannot be rotated`, {
        param: 'id',
      });
    const key = generateKey();
    const now = Date.now();
    await trx
      .updateTable('keys')
      .set({
        hash: hashKey(key),
        prefix: key.slice(0, 10),
        previous_hash: overlapSeconds > 0 ? before.hash : null,
        previous_expires_at: overlapSeconds > 0 ? now + overlapSeconds * 1000 : null,
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
    const after = keyView(await findKey(trx, id));
    await appendAudit(trx, {
      actor,
      action: 'key.rotate',
      targetType: 'key',
      targetId: id,
      before: keyView(before),
      after,
    });
    return { ...after, key };
  });
}

export async function listKeys(
  db: Kysely<Schema>,
  filter: { team?: string | undefined } = {},
): Promise<KeyInfo[]> {
  let query = db.selectFrom('keys').selectAll().orderBy('created_at');
  if (filter.team) query = query.where('team_id', '=', (await findTeam(db, filter.team)).id);
  return (await query.execute()).map(keyView);
}

/** The key row a presented secret belongs to, if it is current (or within a rotation's overlap). */
export async function keyForSecret(
  db: Kysely<Schema>,
  secret: string,
): Promise<Selectable<KeysTable> | undefined> {
  const hash = hashKey(secret);
  return db
    .selectFrom('keys')
    .selectAll()
    .where((eb) => eb.or([eb('hash', '=', hash), eb('previous_hash', '=', hash)]))
    .executeTakeFirst();
}

export interface KeyChanges {
  name?: string | undefined;
  models?: string[] | null | undefined;
  metadata?: Record<string, string> | undefined;
  /** Epoch ms; null removes the expiry. */
  expiresAt?: number | null | undefined;
  log_bodies?: 'off' | 'metadata' | 'full' | null | undefined;
}

/** Changes a key's name, model rule, metadata or expiry; its secret, team and user stay. */
export async function updateKey(
  db: Kysely<Schema>,
  actor: string,
  id: string,
  changes: KeyChanges,
): Promise<KeyInfo> {
  return db.transaction().execute(async (trx) => {
    const before = await findKey(trx, id);
    const set: Partial<Selectable<KeysTable>> = { updated_at: Date.now() };
    if (changes.name !== undefined) set.name = changes.name;
    if (changes.models !== undefined)
      set.models = changes.models === null ? null : JSON.stringify(changes.models);
    if (changes.metadata !== undefined) set.metadata = JSON.stringify(changes.metadata);
    if (changes.expiresAt !== undefined) set.expires_at = changes.expiresAt;
    if (changes.log_bodies !== undefined) set.log_bodies = changes.log_bodies;
    await trx.updateTable('keys').set(set).where('id', '=', id).execute();
    const after = keyView(await findKey(trx, id));
    await appendAudit(trx, {
      actor,
      action: 'key.update',
      targetType: 'key',
      targetId: id,
      before: keyView(before),
      after,
    });
    return after;
  });
}

/** Changes a team's or user's model rule or metadata (users also their email). */
export async function updateOwner(
  db: Kysely<Schema>,
  actor: string,
  kind: 'team' | 'user',
  ref: string,
  changes: {
    models?: string[] | null | undefined;
    metadata?: Record<string, string> | undefined;
    email?: string | null | undefined;
  } & TeamPolicy,
): Promise<Team | User> {
  return db.transaction().execute(async (trx) => {
    const row = kind === 'team' ? await findTeam(trx, ref, 'id') : await findUser(trx, ref, 'id');
    const set: Record<string, unknown> = { updated_at: Date.now() };
    if (changes.models !== undefined)
      set.models = changes.models === null ? null : JSON.stringify(changes.models);
    if (changes.metadata !== undefined) set.metadata = JSON.stringify(changes.metadata);
    if (kind === 'user' && changes.email !== undefined) set.email = changes.email;
    if (kind === 'team') {
      for (const field of ['log_bodies', 'retention_days', 'region'] as const)
        if (changes[field] !== undefined) set[field] = changes[field];
    }
    const view = async () => {
      if (kind === 'team') return teamView(await findTeam(trx, row.id, 'id'));
      return userView(await findUser(trx, row.id, 'id'), await userTeams(trx, row.id));
    };
    const before = await view();
    await trx
      .updateTable(kind === 'team' ? 'teams' : 'users')
      .set(set)
      .where('id', '=', row.id)
      .execute();
    const after = await view();
    await appendAudit(trx, {
      actor,
      action: `${kind}.update`,
      targetType: kind,
      targetId: row.id,
      before,
      after,
    });
    return after;
  });
}
