// /admin/cache: purges the response cache — all of it, one model's entries, or those stored by one
// team's requests (whatever their scope) — and the semantic index with it. Audited.
import { z } from 'zod';
import { auditAction, filterId } from '../../governance/index.ts';
import { defineRoute } from '../route.ts';

export const cacheRoutes = [
  defineRoute({
    method: 'DELETE',
    path: '/admin/cache',
    summary: "Purge the response cache: all of it, a model's entries (?model=) or a team's (?team=)",
    query: z.strictObject({
      model: z.string().min(1).optional().describe('The model name clients ask for'),
      team: z.string().min(1).optional().describe('Team id or name: the entries its requests stored'),
    }),
    response: z.object({
      enabled: z.boolean().describe('false when the configuration has no cache: block (nothing to purge)'),
      deleted: z.number().int().describe('Entries deleted'),
      model: z.string().nullable(),
      team_id: z.string().nullable(),
    }),
    handle: async ({ deps, actor, query }) => {
      const team = query.team === undefined ? undefined : await filterId(deps.db, 'team', query.team, 'team');
      const filter = {
        ...(query.model !== undefined ? { model: query.model } : {}),
        ...(team !== undefined ? { team } : {}),
      };
      const answer = {
        enabled: deps.cache !== undefined,
        deleted: deps.cache ? await deps.cache.purge(filter) : 0,
        model: query.model ?? null,
        team_id: team ?? null,
      };
      await auditAction(deps.db, {
        actor,
        action: 'cache.purge',
        targetType: 'cache',
        targetId:
          [query.model && `model:${query.model}`, team && `team:${team}`].filter(Boolean).join(',') || '*',
        after: answer,
      });
      return answer;
    },
  }),
];
