// /admin/users: list, create, read, change (rename, email, model rule, metadata, memberships), delete.
import { z } from 'zod';
import {
  createUser,
  deleteUser,
  findUser,
  listUsers,
  updateUser,
  userSchema,
  userTeams,
  userView,
} from '../../governance/index.ts';
import { creationPage, envelope, listOf, paging, withIds } from '../contract.ts';
import { checkGuardrailNames } from '../guardrail-names.ts';
import { ownTeamsOnly } from '../access.ts';
import { defineRoute } from '../route.ts';
import { splitReadOnly, userInput, userUpdate } from '../schemas.ts';
import { cascade } from './teams.ts';

export const userRoutes = [
  defineRoute({
    method: 'GET',
    path: '/admin/users',
    summary: 'List users, oldest first',
    access: {
      role: 'viewer',
      list: { query: 'team', items: (user) => user.teams as string[] },
      redact: ownTeamsOnly,
    },
    query: z.strictObject({
      team: z.string().optional().describe('Members of this team (id or name)'),
      ...paging,
    }),
    response: listOf(userSchema),
    handle: async ({ deps, query }) =>
      envelope(
        await listUsers(deps.db, { ...creationPage(query), ...(await withIds(deps, { team: query.team })) }),
      ),
  }),
  defineRoute({
    method: 'POST',
    path: '/admin/users',
    summary: 'Create a user, optionally a member of teams',
    access: { role: 'team_admin', teams: [{ body: 'teams', owner: 'teams' }], redact: ownTeamsOnly },
    status: 201,
    body: userInput,
    response: userSchema,
    handle: async ({ deps, actor, body }) => {
      checkGuardrailNames(deps, body.guardrails);
      return createUser(deps.db, actor, body);
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/admin/users/{user}',
    summary: 'A user, by id or name',
    access: { role: 'viewer', teams: [{ param: 'user', owner: 'user' }], redact: ownTeamsOnly },
    response: userSchema,
    handle: async ({ deps, params }) => {
      const row = await findUser(deps.db, params.user, { path: true });
      return userView(row, await userTeams(deps.db, row.id));
    },
  }),
  defineRoute({
    method: 'PATCH',
    path: '/admin/users/{user}',
    changesAccess: true,
    summary: 'Rename a user, or change the email, model rule, metadata or team memberships',
    access: {
      role: 'team_admin',
      teams: [
        { param: 'user', owner: 'user' },
        { body: 'teams', owner: 'teams', optional: true },
      ],
      redact: ownTeamsOnly,
    },
    body: userUpdate,
    response: userSchema,
    handle: async ({ deps, actor, params, body }) => {
      const { changes, readOnly } = splitReadOnly(body, ['id', 'created_at'] as const);
      return updateUser(deps.db, actor, params.user, { ...changes, readOnly });
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/admin/users/{user}',
    summary: 'Delete a user (a 409 while they have keys, unless cascade=true); answers their last view',
    access: { role: 'team_admin', teams: [{ param: 'user', owner: 'user' }], redact: ownTeamsOnly },
    query: z.strictObject({ cascade }),
    response: userSchema,
    changesAccess: true,
    handle: async ({ deps, actor, params, query }) => deleteUser(deps.db, actor, params.user, query.cascade),
  }),
];
