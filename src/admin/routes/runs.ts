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
    handle: async ({ deps, query }) =>
      queryRuns(deps.events.database(query.region ?? null).db, await withIds(deps, query)),
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
