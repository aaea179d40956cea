// Virtual keys: created, changed, revoked, rotated and deleted, each change with its audit entry in
// one transaction. Keys are stored only as SHA-256 hashes; the secret is returned once, at creation
// or rotation. A deleted key is revoked and kept, so its history stays attributable.
import type { Kysely, Selectable, Transaction } from 'kysely';
import { GatehouseError } from '../core/errors/index.ts';
import type { KeysTable, Schema } from '../store/schema.ts';
import { appendAudit } from './audit.ts';
import { generateKey, hashKey, newId } from './crypto.ts';
import { type Page, readPage } from './paging.ts';
import { checkUnchanged } from './read-only.ts';
import { findKey, findTeam, findUser, userTeams } from './refs.ts';
import { deleteRules, type Rules, writeRules } from './rules.ts';
import { type KeyView, keyView } from './views.ts';

type LogBodies = 'off' | 'metadata' | 'full';

export interface KeyInput extends Rules {
  name: string;
  team: string;
  user?: string | undefined;
  models?: string[] | undefined;
  metadata?: Record<string, string> | undefined;
  /** Epoch ms. */
  expiresAt?: number | undefined;
  log_bodies?: LogBodies | null | undefined;
}

/** Key names are unique among a team's keys that are not deleted. */
async function checkKeyName(trx: Transaction<Schema>, teamId: string, name: string, except?: string) {
  let query = trx
    .selectFrom('keys')
    .select('id')
    .where('team_id', '=', teamId)
    .where('name', '=', name)
    .where('deleted_at', 'is', null);
  if (except) query = query.where('id', '!=', except);
  if (await query.executeTakeFirst())
    throw new GatehouseError('GH_CONFLICT', `name: the team already has a key named "${name}"`, {
      param: 'name',
    });
}

/** Creates a key; the returned `key` is the only time the secret is ever shown. */
export async function createKey(
  db: Kysely<Schema>,
  actor: string,
  input: KeyInput,
): Promise<KeyView & { key: string }> {
  return db.transaction().execute(async (trx) => {
    const team = await findTeam(trx, input.team, { param: 'team' });
    let userId: string | null = null;
    if (input.user !== undefined) {
      const user = await findUser(trx, input.user, { param: 'user' });
      if (!(await userTeams(trx, user.id)).includes(team.id)) {
        throw new GatehouseError(
          'GH_INVALID_REQUEST',
          `user: "${input.user}" is not a member of team "${team.name}"`,
          { param: 'user' },
        );
      }
      userId = user.id;
    }
    await checkKeyName(trx, team.id, input.name);
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
      deleted_at: null,
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

const reread = async (trx: Transaction<Schema>, id: string) =>
  keyView(await findKey(trx, id, { path: true }));

/** Applies `set` to a key and audits the change as `action`; answers the key as it is now. */
async function changeKey(
  trx: Transaction<Schema>,
  actor: string,
  action: string,
  before: Selectable<KeysTable>,
  set: Partial<Selectable<KeysTable>>,
): Promise<KeyView> {
  await trx
    .updateTable('keys')
    .set({ ...set, updated_at: Date.now() })
    .where('id', '=', before.id)
    .execute();
  const after = await reread(trx, before.id);
  await appendAudit(trx, {
    actor,
    action,
    targetType: 'key',
    targetId: before.id,
    before: keyView(before),
    after,
  });
  return after;
}

export async function revokeKey(db: Kysely<Schema>, actor: string, ref: string): Promise<KeyView> {
  return db.transaction().execute(async (trx) => {
    const before = await findKey(trx, ref, { path: true });
    return changeKey(trx, actor, 'key.revoke', before, { revoked_at: before.revoked_at ?? Date.now() });
  });
}

/**
 * Deletes a key softly: it is revoked at once and marked deleted, and stays readable by id so the
 * request log, usage and audit entries that name it keep their meaning. Deleting again changes nothing.
 */
export async function deleteKey(db: Kysely<Schema>, actor: string, ref: string): Promise<KeyView> {
  return db.transaction().execute(async (trx) => {
    const before = await findKey(trx, ref, { path: true });
    if (before.deleted_at !== null) return keyView(before);
    const now = Date.now();
    return changeKey(trx, actor, 'key.delete', before, {
      revoked_at: before.revoked_at ?? now,
      deleted_at: now,
    });
  });
}

/**
 * Issues a new secret for the same key (same id, team, limits and spend). The old secret keeps
 * working for `overlapSeconds`, so clients can be switched without downtime.
 */
export async function rotateKey(
  db: Kysely<Schema>,
  actor: string,
  ref: string,
  overlapSeconds: number,
): Promise<KeyView & { key: string }> {
  return db.transaction().execute(async (trx) => {
    const before = await findKey(trx, ref, { path: true });
    if (before.revoked_at !== null)
      throw new GatehouseError('GH_CONFLICT', `key "${before.name}" is revoked and cannot be rotated`);
    const key = generateKey();
    const now = Date.now();
    const after = await changeKey(trx, actor, 'key.rotate', before, {
      hash: hashKey(key),
      prefix: key.slice(0, 10),
      previous_hash: overlapSeconds > 0 ? before.hash : null,
      previous_expires_at: overlapSeconds > 0 ? now + overlapSeconds * 1000 : null,
    });
    return { ...after, key };
  });
}

export interface KeyFilter extends Page {
  /** Team and user ids (already resolved from names). */
  team?: string | undefined;
  user?: string | undefined;
  includeDeleted?: boolean | undefined;
}

export async function listKeys(db: Kysely<Schema>, filter: KeyFilter) {
  let query = db.selectFrom('keys').selectAll();
  if (filter.team !== undefined) query = query.where('team_id', '=', filter.team);
  if (filter.user !== undefined) query = query.where('user_id', '=', filter.user);
  if (!filter.includeDeleted) query = query.where('deleted_at', 'is', null);
  const page = await readPage(query, filter);
  return { data: page.rows.map(keyView), next: page.next };
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
  log_bodies?: LogBodies | null | undefined;
  /** Fields a key's GET shows that cannot change: accepted only with their current value. */
  readOnly?: Record<string, unknown> | undefined;
}

const keyFixed = {
  team: 'a key cannot move to another team: create a key in that team instead',
  user: 'a key cannot move to another user: create a key for that user instead',
  revoked_at: 'revoke with POST /admin/keys/{key}/revoke; a revoked key cannot be restored',
  deleted_at: 'delete with DELETE /admin/keys/{key}',
};

/** Changes a key's name, model rule, metadata, expiry or body logging; its secret, team and user stay. */
export async function updateKey(
  db: Kysely<Schema>,
  actor: string,
  ref: string,
  changes: KeyChanges,
): Promise<KeyView> {
  return db.transaction().execute(async (trx) => {
    const before = await findKey(trx, ref, { path: true });
    if (before.deleted_at !== null)
      throw new GatehouseError(
        'GH_CONFLICT',
        `key "${before.name}" is deleted; it is kept as history and cannot change`,
      );
    const readOnly = { ...changes.readOnly };
    // team and user may be given by name: compare the ids they mean.
    if (typeof readOnly.team === 'string')
      readOnly.team = (await findTeam(trx, readOnly.team, { param: 'team' })).id;
    if (typeof readOnly.user === 'string')
      readOnly.user = (await findUser(trx, readOnly.user, { param: 'user' })).id;
    checkUnchanged('key', keyView(before), readOnly, keyFixed);
    const set: Partial<Selectable<KeysTable>> = {};
    if (changes.name !== undefined && changes.name !== before.name) {
      await checkKeyName(trx, before.team_id, changes.name, before.id);
      set.name = changes.name;
    }
    if (changes.models !== undefined)
      set.models = changes.models === null ? null : JSON.stringify(changes.models);
    if (changes.metadata !== undefined) set.metadata = JSON.stringify(changes.metadata);
    if (changes.expiresAt !== undefined) set.expires_at = changes.expiresAt;
    if (changes.log_bodies !== undefined) set.log_bodies = changes.log_bodies;
    return changeKey(trx, actor, 'key.update', before, set);
  });
}

/**
 * Clears the way to delete a team or user: refused while it has keys not deleted, unless `cascade`,
 * which deletes them with it (a key cannot outlive its team or user). The keys' rows go, each
 * deletion audited; so do the owner's budget, limits and memberships.
 */
export async function removeOwnerKeys(
  trx: Transaction<Schema>,
  actor: string,
  owner: { scope: 'team' | 'user'; id: string; name: string },
  cascade: boolean,
): Promise<void> {
  const column = owner.scope === 'team' ? 'team_id' : 'user_id';
  const rows = await trx.selectFrom('keys').selectAll().where(column, '=', owner.id).execute();
  const live = rows.filter((row) => row.deleted_at === null);
  if (live.length > 0 && !cascade) {
    const n = live.length;
    throw new GatehouseError(
      'GH_CONFLICT',
      `${owner.scope} "${owner.name}" has ${n} key${n === 1 ? '' : 's'}; delete ${n === 1 ? 'it' : 'them'} first, or pass ?cascade=true to delete the ${owner.scope} with ${n === 1 ? 'it' : 'them'}`,
    );
  }
  for (const row of live) {
    const now = Date.now();
    await appendAudit(trx, {
      actor,
      action: 'key.delete',
      targetType: 'key',
      targetId: row.id,
      before: keyView(row),
      after: keyView({ ...row, revoked_at: row.revoked_at ?? now, deleted_at: now }),
    });
  }
  const ids = rows.map((r) => r.id);
  await deleteRules(trx, 'key', ids);
  if (ids.length > 0) await trx.deleteFrom('keys').where('id', 'in', ids).execute();
  await deleteRules(trx, owner.scope, [owner.id]);
  await trx.deleteFrom('team_members').where(column, '=', owner.id).execute();
}
