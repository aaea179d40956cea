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
import { decodeCursor, encodeCursor, listOf, paging, withIds } from '../contract.ts';
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

/** Every budget's owner: its name and the teams it belongs to (those that may read it); none if gone. */
async function budgetOwner(deps: AdminDeps, scope: Scope, id: string) {
  if (scope === 'team') {
    const team = await deps.db.selectFrom('teams').select('name').where('id', '=', id).executeTakeFirst();
    return team && { scope, id, name: team.name, teams: [id] };
  }
  if (scope === 'key') {
    const key = await deps.db
      .selectFrom('keys')
      .select(['name', 'team_id'])
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return key && { scope, id, name: key.name, teams: [key.team_id] };
  }
  const user = await deps.db.selectFrom('users').select('name').where('id', '=', id).executeTakeFirst();
  if (!user) return undefined;
  const teams = await deps.db
    .selectFrom('team_members')
    .select('team_id')
    .where('user_id', '=', id)
    .execute();
  return { scope, id, name: user.name, teams: teams.map((t) => t.team_id) };
}

const budgetsRoute = defineRoute({
  method: 'GET',
  path: '/admin/budgets',
  summary: 'Spend in the current period against every budget of a team, user or key',
  access: { role: 'viewer', list: { query: 'team', items: (item) => item.teams as string[] } },
  query: z.strictObject({
    team: z.string().optional().describe('Team id or name: its own budget and those of its keys and members'),
    ...paging,
  }),
  response: listOf(
    spendSchema.extend({ teams: z.array(z.string()).describe('Ids of the teams the owner belongs to') }),
  ),
  handle: async ({ deps, query }) => {
    const { team } = await withIds(deps, query);
    const budgets = await deps.db
      .selectFrom('budgets')
      .select(['scope', 'scope_id'])
      .orderBy('scope')
      .orderBy('scope_id')
      .execute();
    const owners = [];
    for (const b of budgets) {
      const owner = await budgetOwner(deps, b.scope, b.scope_id);
      if (owner && (team === undefined || owner.teams.includes(team))) owners.push(owner);
    }
    const start = decodeCursor(query.cursor, offsetCursor)?.offset ?? 0;
    await deps.governor.flushSpend();
    const data = [];
    for (const { teams, ...owner } of owners.slice(start, start + query.limit)) {
      const report = await spendReport(deps.db, owner, {
        timeZone: deps.timeZone,
        loggedSpend: (since) => loggedSpend(deps, owner.scope, owner.id, since),
      });
      data.push({ ...report, teams });
    }
    const next = start + query.limit < owners.length ? encodeCursor({ offset: start + query.limit }) : null;
    return { data, next_cursor: next };
  },
});

const offsetCursor = z.object({ offset: z.number().int().min(0) });

export const ownerRoutes = [
  ...routesFor('teams', 'team'),
  ...routesFor('users', 'user'),
  ...routesFor('keys', 'key'),
  budgetsRoute,
];
