// Who a person signed in to the console (or calling with an OIDC token) is, and what they may do.
// The admin API enforces the role; the teams bound what a team_admin or viewer sees and changes.

export const roles = ['viewer', 'team_admin', 'admin'] as const;
export type Role = (typeof roles)[number];

export interface Identity {
  /** `master`: signed in with the master key; `oidc`: by an OIDC issuer (session or bearer token). */
  kind: 'master' | 'oidc';
  name: string;
  email?: string;
  role: Role;
  /** Team names, as shown. */
  teams: string[];
  /** The same teams' ids: what access checks compare. */
  team_ids: string[];
  /** The configured issuer that vouched for an `oidc` identity. */
  provider?: string;
}

export const masterIdentity: Identity = {
  kind: 'master',
  name: 'master',
  role: 'admin',
  teams: [],
  team_ids: [],
};

/** True when `role` is at least `needed` (viewer < team_admin < admin). */
export const roleAtLeast = (role: Role, needed: Role) => roles.indexOf(role) >= roles.indexOf(needed);

/** The highest of several roles; undefined for none. */
export function highestRole(found: Iterable<Role>): Role | undefined {
  let best: Role | undefined;
  for (const role of found) if (best === undefined || roleAtLeast(role, best)) best = role;
  return best;
}
