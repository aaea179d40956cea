// From an ID token's or access token's claims to a Gatehouse identity: the user, their teams and
// their role, as the issuer's configuration maps them (docs/sso.md).
import type { Kysely } from 'kysely';
import type { OidcIssuerConfig } from '../../config/schema.ts';
import { GatehouseError } from '../../core/errors/index.ts';
import type { Schema } from '../../store/schema.ts';
import { createTeam } from '../teams.ts';
import { createUser } from '../users.ts';
import { highestRole, type Identity, type Role } from './identity.ts';

export type Claims = Record<string, unknown>;

/** A claim by name, else by a dotted path into nested claims (Keycloak's `realm_access.roles`). */
export function claimAt(claims: Claims, name: string): unknown {
  if (name in claims) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A claim's values as strings: a string, or the strings of an array. */
const values = (value: unknown): string[] =>
  typeof value === 'string'
    ? [value]
    : Array.isArray(value)
      ? value.filter((v): v is string => typeof v === 'string')
      : [];

/** The role the claims map to: the highest mapped value, else the default. */
export function roleFrom(claims: Claims, config: OidcIssuerConfig): Role {
  const mapped = values(claimAt(claims, config.claims.role)).flatMap((v) => config.role_map[v] ?? []);
  return highestRole(mapped) ?? config.default_role;
}

/** The team names the claims map to: through team_map when it is set, else the values themselves. */
export function teamNamesFrom(claims: Claims, config: OidcIssuerConfig): string[] {
  const found = values(claimAt(claims, config.claims.teams));
  const names = config.team_map ? found.flatMap((v) => config.team_map![v] ?? []) : found;
  return [...new Set(names.map((n) => n.trim()).filter((n) => n !== '' && n.length <= 200))];
}

/** Teams by name; with auto_provision, those missing are created (a concurrent creation is fine). */
async function teamsNamed(db: Kysely<Schema>, names: string[], actor: string, provision: boolean) {
  if (names.length === 0) return [];
  const rows = await db.selectFrom('teams').select(['id', 'name']).where('name', 'in', names).execute();
  for (const name of names) {
    if (!provision || rows.some((r) => r.name === name)) continue;
    try {
      const team = await createTeam(db, actor, { name });
      rows.push({ id: team.id, name: team.name });
    } catch (err) {
      if ((err as GatehouseError).code !== 'GH_CONFLICT') throw err;
      const row = await db
        .selectFrom('teams')
        .select(['id', 'name'])
        .where('name', '=', name)
        .executeTakeFirst();
      if (row) rows.push(row);
    }
  }
  return names.flatMap((name) => rows.filter((r) => r.name === name));
}

/** The identity an issuer's claims stand for. */
export async function identityFrom(
  db: Kysely<Schema>,
  provider: string,
  config: OidcIssuerConfig,
  claims: Claims,
): Promise<Identity> {
  const user = claimAt(claims, config.claims.user) ?? claims.sub;
  if (typeof user !== 'string' || user === '' || user.length > 200)
    throw new GatehouseError(
      'GH_UNAUTHENTICATED',
      `The token of issuer "${provider}" has no usable "${config.claims.user}" claim to name the user.`,
    );
  const teams = await teamsNamed(
    db,
    teamNamesFrom(claims, config),
    `oidc:${provider}`,
    config.auto_provision,
  );
  const identity: Identity = {
    kind: 'oidc',
    name: user,
    role: roleFrom(claims, config),
    teams: teams.map((t) => t.name),
    team_ids: teams.map((t) => t.id),
    provider,
  };
  if (typeof claims.email === 'string') identity.email = claims.email;
  return identity;
}

/** The user row an identity calls models as: found by name, or created with auto_provision. */
export async function userFor(
  db: Kysely<Schema>,
  identity: Identity,
  provision: boolean,
): Promise<string | undefined> {
  const row = await db.selectFrom('users').select('id').where('name', '=', identity.name).executeTakeFirst();
  if (row || !provision) return row?.id;
  try {
    const user = await createUser(db, `oidc:${identity.provider}`, {
      name: identity.name,
      ...(identity.email ? { email: identity.email } : {}),
      teams: identity.team_ids,
    });
    return user.id;
  } catch (err) {
    if ((err as GatehouseError).code !== 'GH_CONFLICT') throw err;
    return (await db.selectFrom('users').select('id').where('name', '=', identity.name).executeTakeFirst())
      ?.id;
  }
}
