// /admin/keys: list, create, read, change, revoke, rotate and (softly) delete virtual keys.
import { z } from 'zod';
import {
  createdKeySchema,
  createKey,
  deleteKey,
  findKey,
  keySchema,
  keyView,
  listKeys,
  revokeKey,
  rotateKey,
  updateKey,
} from '../../governance/index.ts';
import { creationPage, envelope, flag, listOf, paging, withIds } from '../contract.ts';
import { checkGuardrailNames } from '../guardrail-names.ts';
import { defineRoute } from '../route.ts';
import { keyInput, keyUpdate, rotateInput, splitReadOnly } from '../schemas.ts';

const readOnlyFields = [
  'id',
  'created_at',
  'prefix',
  'team',
  'user',
  'revoked_at',
  'previous_expires_at',
  'deleted_at',
] as const;

export const keyRoutes = [
  defineRoute({
    method: 'GET',
    path: '/admin/keys',
    summary: 'List keys (never their secrets), oldest first',
    access: { role: 'viewer', list: { query: 'team', items: (key) => [key.team as string] } },
    query: z.strictObject({
      team: z.string().optional().describe('Keys of this team (id or name)'),
      user: z.string().optional().describe('Keys of this user (id or name)'),
      include_deleted: flag('true lists deleted keys too'),
      ...paging,
    }),
    response: listOf(keySchema),
    handle: async ({ deps, query }) =>
      envelope(
        await listKeys(deps.db, {
          ...creationPage(query),
          ...(await withIds(deps, { team: query.team, user: query.user })),
          includeDeleted: query.include_deleted,
        }),
      ),
  }),
  defineRoute({
    method: 'POST',
    path: '/admin/keys',
    summary: 'Create a key; the answer holds the secret, shown only this once',
    access: {
      role: 'team_admin',
      teams: [
        { body: 'team', owner: 'team' },
        { body: 'user', owner: 'user', optional: true },
      ],
    },
    status: 201,
    body: keyInput,
    response: createdKeySchema,
    handle: async ({ deps, actor, body }) => {
      checkGuardrailNames(deps, body.guardrails);
      const { expires_at, ...rest } = body;
      return createKey(deps.db, actor, {
        ...rest,
        expiresAt: expires_at === undefined ? undefined : Date.parse(expires_at),
      });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/admin/keys/{key}',
    summary: 'A key, by id (or by name when only one key has it); deleted keys too',
    access: { role: 'viewer', teams: [{ param: 'key', owner: 'key' }] },
    response: keySchema,
    handle: async ({ deps, params }) => keyView(await findKey(deps.db, params.key, { path: true })),
  }),
  defineRoute({
    method: 'PATCH',
    path: '/admin/keys/{key}',
    changesAccess: true,
    summary: 'Change the name, model rule, metadata, expiry (null removes it) or body logging',
    access: {
      role: 'team_admin',
      teams: [
        { param: 'key', owner: 'key' },
        { body: 'user', owner: 'user', optional: true },
      ],
    },
    body: keyUpdate,
    response: keySchema,
    handle: async ({ deps, actor, params, body }) => {
      const { changes, readOnly } = splitReadOnly(body, readOnlyFields);
      const { expires_at, ...rest } = changes;
      const expiresAt =
        expires_at === undefined ? undefined : expires_at === null ? null : Date.parse(expires_at);
      return updateKey(deps.db, actor, params.key, { ...rest, expiresAt, readOnly });
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/admin/keys/{key}',
    summary: 'Delete a key: revoked at once and kept for history (readable by id, left out of lists)',
    access: { role: 'team_admin', teams: [{ param: 'key', owner: 'key' }] },
    response: keySchema,
    changesAccess: true,
    handle: async ({ deps, actor, params }) => deleteKey(deps.db, actor, params.key),
  }),
  defineRoute({
    method: 'POST',
    path: '/admin/keys/{key}/revoke',
    summary: 'Revoke a key at once',
    access: { role: 'team_admin', teams: [{ param: 'key', owner: 'key' }] },
    response: keySchema,
    changesAccess: true,
    handle: async ({ deps, actor, params }) => revokeKey(deps.db, actor, params.key),
  }),
  defineRoute({
    method: 'POST',
    path: '/admin/keys/{key}/rotate',
    summary: 'Issue a new secret; the old one works for overlap_seconds more (default 3600)',
    access: { role: 'team_admin', teams: [{ param: 'key', owner: 'key' }] },
    body: rotateInput,
    bodyOptional: true,
    response: createdKeySchema,
    changesAccess: true,
    handle: async ({ deps, actor, params, body }) =>
      rotateKey(deps.db, actor, params.key, body.overlap_seconds),
  }),
];
