// /admin/teams: list, create, read, change (rename, model rule, metadata, data policy), delete.
import { z } from 'zod';
import { GatehouseError } from '../../core/errors/index.ts';
import {
  createTeam,
  deleteTeam,
  findTeam,
  listTeams,
  teamSchema,
  teamView,
  updateTeam,
} from '../../governance/index.ts';
import { creationPage, envelope, flag, listOf, paging } from '../contract.ts';
import type { AdminDeps } from '../deps.ts';
import { checkGuardrailNames } from '../guardrail-names.ts';
import { defineRoute } from '../route.ts';
import { splitReadOnly, teamInput, teamUpdate } from '../schemas.ts';

function checkRegion(deps: AdminDeps, region: string | null | undefined): void {
  if (region && !deps.regions.includes(region))
    throw new GatehouseError(
      'GH_INVALID_REQUEST',
      `region: "${region}" is not a configured region (${deps.regions.join(', ') || 'none are configured'})`,
      { param: 'region' },
    );
}

export const cascade = flag('true deletes its keys with it; without it, a 409 while keys remain');

export const teamRoutes = [
  defineRoute({
    method: 'GET',
    path: '/admin/teams',
    summary: 'List teams, oldest first',
    access: { role: 'viewer', list: { items: (team) => [team.id as string] } },
    query: z.strictObject(paging),
    response: listOf(teamSchema),
    handle: async ({ deps, query }) => envelope(await listTeams(deps.db, creationPage(query))),
  }),
  defineRoute({
    method: 'POST',
    path: '/admin/teams',
    summary: 'Create a team',
    status: 201,
    body: teamInput,
    response: teamSchema,
    handle: async ({ deps, actor, body }) => {
      checkRegion(deps, body.region);
      checkGuardrailNames(deps, body.guardrails);
      return createTeam(deps.db, actor, body);
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/admin/teams/{team}',
    summary: 'A team, by id or name',
    access: { role: 'viewer', teams: [{ param: 'team', owner: 'team' }] },
    response: teamSchema,
    handle: async ({ deps, params }) => teamView(await findTeam(deps.db, params.team, { path: true })),
  }),
  defineRoute({
    method: 'PATCH',
    path: '/admin/teams/{team}',
    changesAccess: true,
    summary: 'Rename a team, or change its model rule, metadata or data policy (null clears a setting)',
    body: teamUpdate,
    response: teamSchema,
    handle: async ({ deps, actor, params, body }) => {
      const { changes, readOnly } = splitReadOnly(body, ['id', 'created_at'] as const);
      checkRegion(deps, changes.region);
      return updateTeam(deps.db, actor, params.team, { ...changes, readOnly });
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/admin/teams/{team}',
    summary: 'Delete a team (a 409 while it has keys, unless cascade=true); answers its last view',
    query: z.strictObject({ cascade }),
    response: teamSchema,
    changesAccess: true,
    handle: async ({ deps, actor, params, query }) => deleteTeam(deps.db, actor, params.team, query.cascade),
  }),
];
