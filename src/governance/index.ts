// The public surface of governance: what the server wires (authentication, admission, counters,
// prices, secrets, the master key) and what the admin API serves (teams, users and keys with their
// views, budgets, limits and spend, the audit log). Outside governance/, import from here only
// (the dependency check holds to it).
export { type Admission, Governor, type LimitRule } from './admission.ts';
export { appendAudit, auditAction, auditEntrySchema, auditView, listAudit, verifyAudit } from './audit.ts';
export {
  Authenticator,
  attribute,
  authorizeModel,
  type CacheRule,
  identityPrincipal,
  looksLikeJwt,
  masterPrincipal,
  type Principal,
  presentedKey,
  type TokenVerifier,
} from './authenticate.ts';
export { createMemoryCounterStore, createRedisCounterStore } from './counters/index.ts';
export { SecretBox } from './crypto.ts';
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
export { resolveMasterKey } from './master-key.ts';
export { postWebhook, webhookNotifier } from './notify.ts';
export { afterNewest, cutPage, type Page, type Position } from './paging.ts';
export { PriceBook } from './pricing/index.ts';
export { filterId, findKey, findTeam, findUser, type Scope, userTeams } from './refs.ts';
export { readRules, replaceRules, rulesViewSchema, spendReport, spendSchema } from './rules.ts';
export { type RunRule, type RunRulesInput, runRulesInput } from './run-rules.ts';
export { type SecretInfo, SecretStore, secretReferences, secretSchema, withSecrets } from './secrets.ts';
export { cookieHeader, overTls, readCookie, sessionCookie } from './sso/cookies.ts';
export { highestRole, type Identity, masterIdentity, type Role, roleAtLeast, roles } from './sso/identity.ts';
export { OidcIssuers } from './sso/oidc.ts';
export { type Session, SessionStore } from './sso/sessions.ts';
export { createTeam, deleteTeam, listTeams, updateTeam } from './teams.ts';
export {
  type ArgNarrowing,
  type ToolRule,
  toolRulesInputShape,
} from './tool-rules.ts';
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
