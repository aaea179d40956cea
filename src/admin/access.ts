// Who may call which admin route. Every route declares its access on its definition (route.ts);
// a route that declares nothing is for admins only, so a route added without thinking about roles
// is closed rather than open. The checks below are the one place they are enforced.
//
// Roles (docs/sso.md): `admin` does everything; `team_admin` reads and changes what belongs to its
// teams; `viewer` reads what belongs to its teams. A resource of a team the caller is not in is
// answered as if it did not exist (404), so that its name does not leak either.
import { GatehouseError } from '../core/errors/index.ts';
import {
  findKey,
  findTeam,
  findUser,
  type Identity,
  type Role,
  roleAtLeast,
  userTeams,
} from '../governance/index.ts';
import type { AdminDeps } from './deps.ts';

/** Where the team (or teams) a call concerns are found. */
export type TeamOf =
  /** A path parameter naming a team, a user (their teams) or a key (its team). */
  | { param: string; owner: 'team' | 'user' | 'key' }
  /** A body field naming a team, a list of teams, or a user; absent is allowed only where said. */
  | { body: string; owner: 'team' | 'teams' | 'user'; optional?: boolean };

export interface ScopedAccess {
  /** The lowest role that may call (admins may call everything). */
  role: Role;
  /** The resources whose teams must be among the caller's; every one is checked. */
  teams?: TeamOf[];
  /**
   * A list or report across teams: its team query parameter must name one of the caller's teams,
   * and is set when the caller has only one; `items` reads an item's teams so that the answer's
   * `data` keeps only the caller's. `requireTeam`: the answer cannot be filtered item by item (a
   * report of totals), so a caller of several teams must name one.
   */
  list?: { query?: string; items?: (item: Record<string, unknown>) => string[]; requireTeam?: boolean };
  /**
   * Hides what of another team an answer (or each item of a list) still names, such as a user's
   * memberships of teams the caller is not in.
   */
  redact?: (view: Record<string, unknown>, mine: ReadonlySet<string>) => Record<string, unknown>;
}

/** A user's view keeps only the memberships of the caller's teams. */
export const ownTeamsOnly = (view: Record<string, unknown>, mine: ReadonlySet<string>) => ({
  ...view,
  teams: (view.teams as string[]).filter((id) => mine.has(id)),
});

/** `public`: anyone, signed in or not; `signed_in`: any identity, whatever its role. */
export type Access = 'public' | 'signed_in' | ScopedAccess;

export const adminOnly: ScopedAccess = { role: 'admin' };

const notFound = (what: string, ref: string) =>
  new GatehouseError('GH_NOT_FOUND', `No ${what} "${ref.slice(0, 200)}".`);

/** The team ids a reference stands for (throws 404 for a path reference that names nothing). */
async function teamsOf(deps: AdminDeps, owner: 'team' | 'user' | 'key', ref: string, path: boolean) {
  const source = path ? { path: true as const } : { param: owner };
  if (owner === 'team') return [(await findTeam(deps.db, ref, source)).id];
  if (owner === 'key') return [(await findKey(deps.db, ref, source)).team_id];
  return userTeams(deps.db, (await findUser(deps.db, ref, source)).id);
}

/**
 * Refuses a caller whose role is too low, before anything of the request is read: a route that
 * declares nothing answers 403 to anyone but an admin, whatever the body.
 */
export function checkRole(access: Access, caller: Identity | undefined): void {
  if (access === 'public') return;
  if (!caller)
    throw new GatehouseError('GH_FORBIDDEN', 'The admin API needs the master key or a signed-in identity.');
  if (access === 'signed_in' || caller.role === 'admin') return;
  if (!roleAtLeast(caller.role, access.role))
    throw new GatehouseError(
      'GH_FORBIDDEN',
      `This call needs the role ${access.role}; ${caller.name} has ${caller.role}.`,
    );
}

/**
 * Refuses the call unless the caller's teams hold what it concerns (after checkRole); sets a list's
 * team for a caller of one team and answers the filter to apply to the answer.
 */
export async function authorizeTeams(
  access: Access,
  caller: Identity | undefined,
  method: string,
  deps: AdminDeps,
  input: { params: Record<string, string>; query: Record<string, unknown>; body: unknown },
): Promise<((answer: unknown) => unknown) | undefined> {
  if (access === 'public' || access === 'signed_in' || !caller || caller.role === 'admin') return undefined;
  const mine = new Set(caller.team_ids);
  const writes = method !== 'GET';
  for (const team of access.teams ?? []) {
    if ('param' in team) {
      const ref = input.params[team.param] ?? '';
      const ids = await teamsOf(deps, team.owner, ref, true);
      // A user may be in teams the caller does not administer: reading needs one shared team,
      // changing needs all of them, so that no other team's member is changed.
      const allowed =
        team.owner === 'user' && !writes ? ids.some((id) => mine.has(id)) : ids.every((id) => mine.has(id));
      if (!allowed || ids.length === 0) throw notFound(team.owner, ref);
      continue;
    }
    const value = (input.body as Record<string, unknown> | undefined)?.[team.body];
    if (value === undefined || value === null) {
      if (team.optional) continue;
      throw new GatehouseError(
        'GH_FORBIDDEN',
        `${team.body}: name one of your teams (${caller.teams.join(', ') || 'you have none'}).`,
        { param: team.body },
      );
    }
    const refs = Array.isArray(value) ? (value as string[]) : [String(value)];
    for (const ref of refs) {
      const ids = await teamsOf(deps, team.owner === 'teams' ? 'team' : team.owner, ref, false);
      const allowed =
        team.owner === 'user' ? ids.some((id) => mine.has(id)) : ids.every((id) => mine.has(id));
      if (!allowed)
        throw new GatehouseError(
          'GH_FORBIDDEN',
          `${team.body}: "${ref.slice(0, 200)}" is not in your teams.`,
          { param: team.body },
        );
    }
  }
  const redact = access.redact;
  const redacted = (answer: unknown) => {
    if (!redact) return answer;
    const list = answer as { data?: Record<string, unknown>[] };
    return Array.isArray(list.data)
      ? { ...list, data: list.data.map((item) => redact(item, mine)) }
      : redact(answer as Record<string, unknown>, mine);
  };
  if (!access.list) return redact ? redacted : undefined;
  const { query: param, items, requireTeam } = access.list;
  const asked = param === undefined ? undefined : input.query[param];
  if (param !== undefined && typeof asked === 'string') {
    const ids = await teamsOf(deps, 'team', asked, false);
    if (!ids.every((id) => mine.has(id))) throw notFound('team', asked);
  } else if (param !== undefined && caller.team_ids.length === 1) {
    // One team: the store filters, so pages come full.
    input.query[param] = caller.team_ids[0];
  } else if (requireTeam || !items) {
    throw new GatehouseError(
      caller.team_ids.length === 0 ? 'GH_FORBIDDEN' : 'GH_INVALID_REQUEST',
      caller.team_ids.length === 0
        ? `${caller.name} is in no team, so there is nothing to read here.`
        : `${param ?? 'team'}: name one of your teams (${caller.teams.join(', ')})`,
      { param: param ?? 'team' },
    );
  }
  if (!items) return redact ? redacted : undefined;
  return (answer) => {
    const list = answer as { data: Record<string, unknown>[] };
    return redacted({ ...list, data: list.data.filter((item) => items(item).some((id) => mine.has(id))) });
  };
}
