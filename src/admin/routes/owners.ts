// The rules (budget and rate limits) and the spend of a team, user or key.
import { sql } from 'kysely';
import { z } from 'zod';
import {
  findKey,
  findTeam,
  findUser,
  readRules,
  replaceRules,
  rulesViewSchema,
  type Scope,
  spendReport,
  spendSchema,
} from '../../governance/index.ts';
import type { AdminDeps } from '../deps.ts';
import { checkGuardrailNames } from '../guardrail-names.ts';
import { defineRoute } from '../route.ts';
import { rulesInput } from '../schemas.ts';

const finders = { team: findTeam, user: findUser, key: findKey } as const;
const rollupColumn = { team: 'team_id', user: 'user_id', key: 'key_id' } as const;
const hourMs = 3_600_000;

/** USD the request log's hourly rollups hold for one owner since a time, over every region's store. */
async function loggedSpend(deps: AdminDeps, scope: Scope, id: string, since: number): Promise<number> {
  let total = 0;
  for (const region of [null, ...deps.regions]) {
    const row = await deps.events
      .database(region)
      .db.selectFrom('usage_hourly')
      .select(sql<number>`coalesce(sum(cost_usd), 0)`.as('cost'))
      .where(rollupColumn[scope], '=', id)
      .where('hour', '>=', Math.floor(since / hourMs))
      .executeTakeFirst();
    total += Number(row?.cost ?? 0);
  }
  return total;
}

function routesFor(collection: 'teams' | 'users' | 'keys', scope: Scope) {
  const owner = async (deps: AdminDeps, params: object) => {
    const row = await finders[scope](deps.db, (params as { ref: string }).ref, { path: true });
    return { scope, id: row.id, name: row.name };
  };
  const what = `a ${scope}`;
  return [
    defineRoute({
      method: 'GET',
      path: `/admin/${collection}/{ref}/rules`,
      summary: `The budget, rate limits and guardrails of ${what} (by id or name)`,
      access: { role: 'viewer', teams: [{ param: 'ref', owner: scope }] },
      response: rulesViewSchema,
      handle: async ({ deps, params }) => readRules(deps.db, scope, (await owner(deps, params)).id),
    }),
    defineRoute({
      method: 'PUT',
      path: `/admin/${collection}/{ref}/rules`,
      summary: `Replace the budget, limits and/or guardrails of ${what} (null removes one; what GET answers is accepted)`,
      access: { role: 'team_admin', teams: [{ param: 'ref', owner: scope }] },
      body: rulesInput,
      response: rulesViewSchema,
      changesAccess: true,
      handle: async ({ deps, actor, params, body }) => {
        checkGuardrailNames(deps, body.guardrails);
        return replaceRules(deps.db, actor, scope, (await owner(deps, params)).id, body);
      },
    }),
    defineRoute({
      method: 'GET',
      path: `/admin/${collection}/{ref}/spend`,
      summary: `Spend of ${what} in the current period, with its budget if it has one`,
      access: { role: 'viewer', teams: [{ param: 'ref', owner: scope }] },
      query: z.strictObject({
        period: z
          .enum(['day', 'week', 'month', 'total'])
          .optional()
          .describe("The period to report (default: the budget's, else month)"),
      }),
      response: spendSchema,
      handle: async ({ deps, params, query }) => {
        const who = await owner(deps, params);
        await deps.governor.flushSpend();
        return spendReport(deps.db, who, {
          timeZone: deps.timeZone,
          period: query.period,
          loggedSpend: (since) => loggedSpend(deps, scope, who.id, since),
        });
      },
    }),
  ];
}

export const ownerRoutes = [
  ...routesFor('teams', 'team'),
  ...routesFor('users', 'user'),
  ...routesFor('keys', 'key'),
];
