// Users: created, listed, changed (renamed, email, model rule, metadata, team membership) and
// deleted, each change with its audit entry in one transaction. User names are unique.
import type { Kysely, Selectable, Transaction } from 'kysely';
import { GatehouseError } from '../core/errors/index.ts';
import type { Schema, UsersTable } from '../store/schema.ts';
import { appendAudit } from './audit.ts';
import { newId } from './crypto.ts';
import { removeOwnerKeys } from './keys.ts';
import { type Page, readPage } from './paging.ts';
import { checkUnchanged } from './read-only.ts';
import { findTeam, findUser, userTeams } from './refs.ts';
import { type Rules, writeRules } from './rules.ts';
import { checkNameFree, ownerFields, writeNamed } from './teams.ts';
import { type User, userView } from './views.ts';

interface UserFields {
  email?: string | null | undefined;
  models?: string[] | null | undefined;
  metadata?: Record<string, string> | undefined;
  /** Team ids or names: the user's memberships. */
  teams?: string[] | undefined;
}

async function teamIds(trx: Transaction<Schema>, refs: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, ref] of refs.entries()) ids.push((await findTeam(trx, ref, { param: `teams[${i}]` })).id);
  return [...new Set(ids)];
}

const viewOf = async (trx: Transaction<Schema>, row: Selectable<UsersTable>) =>
  userView(row, await userTeams(trx, row.id));

export async function createUser(
  db: Kysely<Schema>,
  actor: string,
  input: { name: string } & UserFields & Rules,
): Promise<User> {
  return db.transaction().execute(async (trx) => {
    await checkNameFree(trx, 'users', input.name);
    const teams = await teamIds(trx, input.teams ?? []);
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
    await writeNamed('users', row.name, () => trx.insertInto('users').values(row).execute());
    await writeRules(trx, 'user', row.id, input);
    for (const teamId of teams)
      await trx.insertInto('team_members').values({ team_id: teamId, user_id: row.id }).execute();
    const user = await viewOf(trx, row);
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

export async function listUsers(db: Kysely<Schema>, filter: Page & { team?: string | undefined }) {
  let query = db.selectFrom('users').selectAll();
  if (filter.team !== undefined) {
    const team = filter.team;
    query = query.where('id', 'in', (eb) =>
      eb.selectFrom('team_members').select('user_id').where('team_id', '=', team),
    );
  }
  const cut = await readPage(query, filter);
  const members = new Map<string, string[]>();
  if (cut.rows.length > 0) {
    const links = await db
      .selectFrom('team_members')
      .select(['user_id', 'team_id'])
      .where(
        'user_id',
        'in',
        cut.rows.map((r) => r.id),
      )
      .orderBy('team_id')
      .execute();
    for (const link of links) members.set(link.user_id, [...(members.get(link.user_id) ?? []), link.team_id]);
  }
  return { data: cut.rows.map((row) => userView(row, members.get(row.id) ?? [])), next: cut.next };
}

/** Replaces a user's memberships; leaving a team where the user still has keys is refused. */
async function setMemberships(trx: Transaction<Schema>, userId: string, refs: string[]): Promise<void> {
  const wanted = await teamIds(trx, refs);
  const current = await userTeams(trx, userId);
  for (const teamId of current.filter((id) => !wanted.includes(id))) {
    const keys = await trx
      .selectFrom('keys')
      .select('name')
      .where('user_id', '=', userId)
      .where('team_id', '=', teamId)
      .where('deleted_at', 'is', null)
      .execute();
    if (keys.length > 0) {
      const team = await findTeam(trx, teamId, { path: true });
      throw new GatehouseError(
        'GH_CONFLICT',
        `teams: the user has keys in team "${team.name}" (${keys.map((k) => k.name).join(', ')}); delete them before leaving it`,
        { param: 'teams' },
      );
    }
    await trx
      .deleteFrom('team_members')
      .where('user_id', '=', userId)
      .where('team_id', '=', teamId)
      .execute();
  }
  for (const teamId of wanted.filter((id) => !current.includes(id)))
    await trx.insertInto('team_members').values({ team_id: teamId, user_id: userId }).execute();
}

export async function updateUser(
  db: Kysely<Schema>,
  actor: string,
  ref: string,
  changes: { name?: string | undefined; readOnly?: Record<string, unknown> } & UserFields,
): Promise<User> {
  return db.transaction().execute(async (trx) => {
    const row = await findUser(trx, ref, { path: true });
    const before = await viewOf(trx, row);
    checkUnchanged('user', before, changes.readOnly ?? {});
    const set: Partial<Selectable<UsersTable>> = { ...ownerFields(changes), updated_at: Date.now() };
    if (changes.name !== undefined && changes.name !== row.name) {
      await checkNameFree(trx, 'users', changes.name);
      set.name = changes.name;
    }
    if (changes.email !== undefined) set.email = changes.email;
    await writeNamed('users', set.name ?? row.name, () =>
      trx.updateTable('users').set(set).where('id', '=', row.id).execute(),
    );
    if (changes.teams !== undefined) await setMemberships(trx, row.id, changes.teams);
    const after = await viewOf(trx, await findUser(trx, row.id, { path: true }));
    await appendAudit(trx, {
      actor,
      action: 'user.update',
      targetType: 'user',
      targetId: row.id,
      before,
      after,
    });
    return after;
  });
}

/** Deletes a user with their memberships, budget and limits; like a team, not while keys remain. */
export async function deleteUser(
  db: Kysely<Schema>,
  actor: string,
  ref: string,
  cascade: boolean,
): Promise<User> {
  return db.transaction().execute(async (trx) => {
    const row = await findUser(trx, ref, { path: true });
    const before = await viewOf(trx, row);
    await removeOwnerKeys(trx, actor, { scope: 'user', id: row.id, name: row.name }, cascade);
    await trx.deleteFrom('users').where('id', '=', row.id).execute();
    await appendAudit(trx, { actor, action: 'user.delete', targetType: 'user', targetId: row.id, before });
    return before;
  });
}
