// The public surface of governance for the admin API: teams, users and keys (with their views),
// budgets, limits and spend, the audit log, and provider secrets.
export type { Governor } from './admission.ts';
export { auditEntrySchema, auditView, listAudit, verifyAudit } from './audit.ts';
export type { Authenticator } from './authenticate.ts';
export {
  createKey,
  deleteKey,
  type KeyChanges,
  type KeyInput,
  listKeys,
  revokeKey,
  rotateKey,
  updateKey,
} from './keys.ts';
export type { Page, Position } from './paging.ts';
export { filterId, findKey, findTeam, findUser, type Scope, userTeams } from './refs.ts';
export { readRules, replaceRules, rulesViewSchema, spendReport, spendSchema } from './rules.ts';
export { type SecretInfo, SecretStore, secretSchema } from './secrets.ts';
export { createTeam, deleteTeam, listTeams, updateTeam } from './teams.ts';
export { createUser, deleteUser, listUsers, updateUser } from './users.ts';
export {
  createdKeySchema,
  iso,
  keySchema,
  keyView,
  teamSchema,
  teamView,
  usd,
  userSchema,
  userView,
  wholeMs,
} from './views.ts';
