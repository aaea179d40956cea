// Agent runs: the list, and one run's timeline (every model and tool call with its cost and verdict).
import { z } from 'zod';
import { listOf, withIds } from '../contract.ts';
import { defineRoute } from '../route.ts';
import { findRun, queryRuns, runQuery, runSchema, runSummarySchema } from '../runs.ts';

export const runRoutes = [
  defineRoute({
    method: 'GET',
    path: '/admin/runs',
    summary: 'Agent runs (x-gatehouse-run-id), the most recently active first; next_cursor continues',
    query: runQuery,
    response: listOf(runSummarySchema),
    handle: async ({ deps, query }) => {
      const page = await queryRuns(deps.events.database(query.region ?? null).db, await withIds(deps, query));
      const ids = [...new Set(page.data.map((r) => r.team_id).filter((id) => id !== null))];
      const teams = ids.length
        ? await deps.db.selectFrom('teams').select(['id', 'name']).where('id', 'in', ids).execute()
        : [];
      const names = new Map(teams.map((t) => [t.id, t.name]));
      return {
        ...page,
        data: page.data.map((r) => ({ ...r, team_name: names.get(r.team_id ?? '') ?? null })),
      };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/admin/runs/{id}',
    summary:
      'One run (<key id>:<run id>, or a run id only one key uses): its calls in order and its live counters',
    query: z.strictObject({
      region: z.string().optional().describe("Read a data-residency region's store"),
    }),
    response: runSchema,
    handle: async ({ deps, params, query }) =>
      findRun(deps.events.database(query.region ?? null).db, params.id, (id) =>
        deps.runs ? deps.runs.read(id) : Promise.resolve(null),
      ),
  }),
];
