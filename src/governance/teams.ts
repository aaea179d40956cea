// Teams: created, listed, changed (renamed, model rule, metadata, data policy) and deleted, each
// change with its audit entry in one transaction. Team names are unique.
import type { Kysely, Selectable, Transaction } from 'kysely';
import { GatehouseError } from '../core/errors/index.ts';
import type { Schema, TeamsTable } from '../store/schema.ts';
import { appendAudit } from './audit.ts';
import { newId } from './crypto.ts';
import { removeOwnerKeys } from './keys.ts';
import { type Page, readPage } from './paging.ts';
import { checkUnchanged } from './read-only.ts';
import { findTeam } from './refs.ts';
import { type Rules, writeRules } from './rules.ts';
import { type Team, teamView } from './views.ts';

/** A team's data policy as the admin API takes it; null clears a setting. */
export interface TeamPolicy {
  log_bodies?: 'off' | 'metadata' | 'full' | null | undefined;
  retention_days?: number | null | undefined;
  region?: string | null | undefined;
}

interface TeamFields extends TeamPolicy {
  models?: string[] | null | undefined;
  metadata?: Record<string, string> | undefined;
}

const nameConflict = (table: 'teams' | 'users', name: string) =>
  new GatehouseError('GH_CONFLICT', `name: a ${table.slice(0, -1)} named "${name}" exists`, {
    param: 'name',
  });

/** Names of teams and users are unique (the store's unique index says so too). */
export async function checkNameFree(
  trx: Transaction<Schema>,
  table: 'teams' | 'users',
  name: string,
): Promise<void> {
  const taken = await trx.selectFrom(table).select('id').where('name', '=', name).executeTakeFirst();
  if (taken) throw nameConflict(table, name);
}

/**
 * Writes a team or user row; a name taken meanwhile by a concurrent change (which the check before
 * could not see) trips the unique index, and is the same 409 as a name taken before.
 */
export async function writeNamed(table: 'teams' | 'users', name: string, write: () => Promise<unknown>) {
  try {
    await write();
  } catch (err) {
    const text = `${(err as { code?: string }).code ?? ''} ${(err as Error).message ?? ''}`;
    // PostgreSQL's unique_violation, and SQLite's message for the same.
    if (/\b23505\b|UNIQUE constraint failed/.test(text)) throw nameConflict(table, name);
    throw err;
  }
}

export async function createTeam(
  db: Kysely<Schema>,
  actor: string,
  input: { name: string } & TeamFields & Rules,
): Promise<Team> {
  return db.transaction().execute(async (trx) => {
    await checkNameFree(trx, 'teams', input.name);
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
    await writeNamed('teams', row.name, () => trx.insertInto('teams').values(row).execute());
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

export async function listTeams(db: Kysely<Schema>, page: Page) {
  const cut = await readPage(db.selectFrom('teams').selectAll(), page);
  return { data: cut.rows.map(teamView), next: cut.next };
}

/** The model rule, metadata and list-valued fields as stored. */
export function ownerFields(changes: TeamFields): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  if (changes.models !== undefined)
    set.models = changes.models === null ? null : JSON.stringify(changes.models);
  if (changes.metadata !== undefined) set.metadata = JSON.stringify(changes.metadata);
  return set;
}

export async function updateTeam(
  db: Kysely<Schema>,
  actor: string,
  ref: string,
  changes: { name?: string | undefined; readOnly?: Record<string, unknown> } & TeamFields,
): Promise<Team> {
  return db.transaction().execute(async (trx) => {
    const row = await findTeam(trx, ref, { path: true });
    const before = teamView(row);
    checkUnchanged('team', before, changes.readOnly ?? {});
    const set: Partial<Selectable<TeamsTable>> = { ...ownerFields(changes), updated_at: Date.now() };
    if (changes.name !== undefined && changes.name !== row.name) {
      await checkNameFree(trx, 'teams', changes.name);
      set.name = changes.name;
    }
    if (changes.log_bodies !== undefined) set.log_bodies = changes.log_bodies;
    if (changes.retention_days !== undefined) set.retention_days = changes.retention_days;
    if (changes.region !== undefined) set.region = changes.region;
    await writeNamed('teams', set.name ?? row.name, () =>
      trx.updateTable('teams').set(set).where('id', '=', row.id).execute(),
    );
    const after = teamView(await findTeam(trx, row.id, { path: true }));
    await appendAudit(trx, {
      actor,
      action: 'team.update',
      targetType: 'team',
      targetId: row.id,
      before,
      after,
    });
    return after;
  });
}

/** Deletes a team with its memberships, budget and limits; refused while keys remain, unless `cascade`. */
export async function deleteTeam(
  db: Kysely<Schema>,
  actor: string,
  ref: string,
  cascade: boolean,
): Promise<Team> {
  return db.transaction().execute(async (trx) => {
    const row = await findTeam(trx, ref, { path: true });
    await removeOwnerKeys(trx, actor, { scope: 'team', id: row.id, name: row.name }, cascade);
    await trx.deleteFrom('teams').where('id', '=', row.id).execute();
    const before = teamView(row);
    await appendAudit(trx, { actor, action: 'team.delete', targetType: 'team', targetId: row.id, before });
    return before;
  });
}
