// Teams, users and keys are referred to by id or by name wherever one is taken. A reference in a path
// that names nothing is a 404 (GH_NOT_FOUND); in a body or query it is a 400 naming the parameter.
import type { Kysely, Selectable, Transaction } from 'kysely';
import { GatehouseError } from '../core/errors/index.ts';
import type { KeysTable, Schema, TeamsTable, UsersTable } from '../store/schema.ts';

type Db = Kysely<Schema> | Transaction<Schema>;
export type Scope = 'key' | 'team' | 'user';

/** Where a reference came from: a path segment, or a named body field or query parameter. */
export type RefSource = { path: true } | { param: string };

function missing(kind: Scope, ref: string, source: RefSource): GatehouseError {
  if ('path' in source) return new GatehouseError('GH_NOT_FOUND', `No ${kind} "${ref.slice(0, 200)}".`);
  return new GatehouseError('GH_INVALID_REQUEST', `${source.param}: no ${kind} "${ref.slice(0, 200)}"`, {
    param: source.param,
  });
}

const byIdOrName = (db: Db, table: 'teams' | 'users', ref: string) =>
  db
    .selectFrom(table)
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', ref), eb('name', '=', ref)]))
    .executeTakeFirst();

export async function findTeam(db: Db, ref: string, source: RefSource): Promise<Selectable<TeamsTable>> {
  const row = await byIdOrName(db, 'teams', ref);
  if (!row) throw missing('team', ref, source);
  return row as Selectable<TeamsTable>;
}

export async function findUser(db: Db, ref: string, source: RefSource): Promise<Selectable<UsersTable>> {
  const row = await byIdOrName(db, 'users', ref);
  if (!row) throw missing('user', ref, source);
  return row as Selectable<UsersTable>;
}

/**
 * A key by id, or by name when one key not deleted has that name. Key names are unique only within a
 * team, so a name used in two teams is refused as ambiguous rather than guessed.
 */
async function lookupKey(db: Db, ref: string, param: string): Promise<Selectable<KeysTable> | undefined> {
  const byId = await db.selectFrom('keys').selectAll().where('id', '=', ref).executeTakeFirst();
  if (byId) return byId;
  const named = await db
    .selectFrom('keys')
    .selectAll()
    .where('name', '=', ref)
    .where('deleted_at', 'is', null)
    .limit(2)
    .execute();
  if (named.length > 1)
    throw new GatehouseError(
      'GH_INVALID_REQUEST',
      `${param}: several teams have a key named "${ref.slice(0, 200)}"; give the key's id`,
      { param },
    );
  return named[0];
}

export async function findKey(db: Db, ref: string, source: RefSource): Promise<Selectable<KeysTable>> {
  const row = await lookupKey(db, ref, 'path' in source ? 'key' : source.param);
  if (!row) throw missing('key', ref, source);
  return row;
}

const idPrefix = { team: 'team_', user: 'user_', key: 'key_' } as const;

/**
 * The id a filter means. A value shaped like an id that names nothing is kept as it is, so the
 * history of a deleted team, user or key can still be searched; anything else must name one.
 */
export async function filterId(db: Db, scope: Scope, ref: string, param: string): Promise<string> {
  const row =
    scope === 'key'
      ? await lookupKey(db, ref, param)
      : await byIdOrName(db, scope === 'team' ? 'teams' : 'users', ref);
  if (row) return row.id;
  if (ref.startsWith(idPrefix[scope])) return ref;
  throw missing(scope, ref, { param });
}

export async function userTeams(db: Db, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('team_members')
    .select('team_id')
    .where('user_id', '=', userId)
    .orderBy('team_id')
    .execute();
  return rows.map((r) => r.team_id);
}
