// The request log and usage reports. Their `team`, `key` and `user` filters take names as well as
// ids; the events themselves may live in a data-residency region's store.
import { listOf, withIds } from '../contract.ts';
import { logEventSchema, logQuery, queryLogs } from '../logs.ts';
import { defineRoute } from '../route.ts';
import { queryUsage, usageQuery, usageReportSchema } from '../usage.ts';

export const reportRoutes = [
  defineRoute({
    method: 'GET',
    path: '/admin/logs',
    summary: 'The request log, newest first; next_cursor continues',
    access: { role: 'viewer', list: { query: 'team', items: (event) => [event.team_id as string] } },
    query: logQuery,
    response: listOf(logEventSchema),
    handle: async ({ deps, query }) =>
      queryLogs(deps.events.database(query.region ?? null).db, await withIds(deps, query)),
  }),
  defineRoute({
    method: 'GET',
    path: '/admin/usage',
    summary:
      'Spend, tokens, requests and latency percentiles from the hourly and daily rollups, by period and dimension',
    access: { role: 'viewer', list: { query: 'team', requireTeam: true } },
    query: usageQuery,
    response: usageReportSchema,
    handle: async ({ deps, query }) =>
      queryUsage(deps.events.database(query.region ?? null).db, await withIds(deps, query), deps.db),
  }),
];
