// The quality loop's admin API: feedback and evaluator scores (listed, rolled up by team, model,
// target and experiment variant) and the reports of `gatehouse eval run`. docs/quality.md.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { GatehouseError } from '../../core/errors/index.ts';
import { afterNewest, cutPage, findTeam } from '../../governance/index.ts';
import { type GroupKey, groupKeys, pageScores, rollup, type ScoreFilter } from '../../quality/scores.ts';
import type { Access } from '../access.ts';
import { decodeCursor, encodeCursor, listOf, paging, positionCursor } from '../contract.ts';
import type { AdminDeps } from '../deps.ts';
import { defineRoute } from '../route.ts';
import { parseTime } from '../usage.ts';

const filterQuery = {
  team: z.string().optional().describe('One team (id or name)'),
  model: z.string().optional(),
  target: z.string().optional().describe('provider/model that answered'),
  experiment: z.string().optional(),
  variant: z.string().optional(),
  name: z.string().optional().describe('The score name (thumbs, csat, an evaluator name)'),
  request_id: z.string().optional(),
  since: z.string().default('7d').describe('ISO 8601, epoch ms, or a span back from now (default 7d)'),
  until: z.string().optional().describe('ISO 8601, epoch ms, or a span back from now (default now)'),
};

const score = z.object({
  id: z.string(),
  request_id: z.string(),
  event_id: z.string().nullable(),
  team_id: z.string().nullable(),
  key_id: z.string().nullable(),
  model: z.string().nullable(),
  provider: z.string().nullable(),
  target: z.string().nullable(),
  experiment: z.string().nullable(),
  variant: z.string().nullable(),
  source: z.enum(['feedback', 'evaluator']),
  name: z.string(),
  value: z.number(),
  comment: z.string().nullable(),
  tags: z.record(z.string(), z.string()),
  created_at: z.iso.datetime({ offset: true }),
});

async function toFilter(
  deps: AdminDeps,
  q: { [K in keyof typeof filterQuery]?: string | undefined },
): Promise<ScoreFilter> {
  const now = Date.now();
  const team = q.team === undefined ? undefined : await findTeam(deps.db, q.team, { param: 'team' });
  return {
    ...(team ? { teamId: team.id } : {}),
    ...(q.model ? { model: q.model } : {}),
    ...(q.target ? { target: q.target } : {}),
    ...(q.experiment ? { experiment: q.experiment } : {}),
    ...(q.variant ? { variant: q.variant } : {}),
    ...(q.name ? { name: q.name } : {}),
    ...(q.request_id ? { requestId: q.request_id } : {}),
    since: parseTime(q.since ?? '7d', 'since', now),
    ...(q.until ? { until: parseTime(q.until, 'until', now) } : {}),
  };
}

function listRoute(path: '/admin/feedback' | '/admin/scores', source?: 'feedback') {
  return defineRoute({
    method: 'GET',
    path,
    summary:
      source === 'feedback'
        ? 'Feedback callers sent on answers (POST /v1/feedback), newest first'
        : 'Scores of answers, from feedback and online evaluators, newest first',
    query: z.strictObject({
      ...filterQuery,
      ...(source ? {} : { source: z.enum(['feedback', 'evaluator']).optional() }),
      ...paging,
    }),
    response: listOf(score),
    access: teamList,
    handle: async ({ deps, query }) => {
      const q = query as typeof query & { source?: 'feedback' | 'evaluator' };
      const filter = await toFilter(deps, q);
      const chosen = source ?? q.source;
      const after = decodeCursor(q.cursor, positionCursor);
      const page = await pageScores(deps.db, {
        ...filter,
        ...(chosen ? { source: chosen } : {}),
        ...(after ? { after } : {}),
        limit: q.limit,
      });
      return {
        data: page.data.map((s) => ({
          id: s.id,
          request_id: s.requestId,
          event_id: s.eventId,
          team_id: s.teamId,
          key_id: s.keyId,
          model: s.model,
          provider: s.provider,
          target: s.target,
          experiment: s.experiment,
          variant: s.variant,
          source: s.source,
          name: s.name,
          value: s.value,
          comment: s.comment,
          tags: s.tags,
          created_at: new Date(s.createdAt).toISOString(),
        })),
        next_cursor: page.next ? encodeCursor(page.next) : null,
      };
    },
  });
}

// A viewer or team admin reads the scores of their teams' requests: the team filter is set (one
// team) or checked, and a list keeps only their teams' items.
const teamList: Access = {
  role: 'viewer',
  list: { query: 'team', items: (s) => (s.team_id ? [s.team_id as string] : []) },
};

const evalCase = z.looseObject({ passed: z.boolean() });
const evalReport = z.looseObject({
  suite: z.string().min(1).max(500),
  pass_rate: z.number().min(0).max(1),
  cases: z.number().int().min(0),
  passed: z.number().int().min(0),
  cost_usd: z.number().nullable().optional(),
  verdict: z.enum(['pass', 'regression', 'failed']),
  results: z.array(evalCase).max(100_000).optional(),
});

export const qualityRoutes = [
  listRoute('/admin/feedback', 'feedback'),
  listRoute('/admin/scores'),
  defineRoute({
    method: 'GET',
    path: '/admin/quality',
    summary: 'Feedback and evaluator scores rolled up: count and mean per group and score name',
    query: z.strictObject({
      ...filterQuery,
      source: z.enum(['feedback', 'evaluator']).optional(),
      group_by: z
        .string()
        .default('team,model')
        .describe(`Comma-separated: ${groupKeys.join(', ')} (name is always included)`),
    }),
    // Totals cannot be filtered item by item: a caller of several teams names one.
    access: { role: 'viewer', list: { query: 'team', requireTeam: true } },
    response: z.object({
      group_by: z.array(z.string()),
      data: z.array(
        z.object({
          group: z.record(z.string(), z.string().nullable()),
          count: z.number().int(),
          mean: z.number(),
          min: z.number(),
          max: z.number(),
        }),
      ),
    }),
    handle: async ({ deps, query }) => {
      const keys = query.group_by
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean);
      const bad = keys.find((k) => !(groupKeys as readonly string[]).includes(k));
      if (bad !== undefined)
        throw new GatehouseError(
          'GH_INVALID_REQUEST',
          `group_by: unknown key "${bad.slice(0, 40)}" (use ${groupKeys.join(', ')})`,
          {
            param: 'group_by',
          },
        );
      const filter = await toFilter(deps, query);
      const data = await rollup(
        deps.db,
        { ...filter, ...(query.source ? { source: query.source } : {}) },
        keys as GroupKey[],
      );
      return { group_by: [...new Set([...keys, 'name'])], data };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/admin/evals',
    summary: 'Store the report of an eval run (gatehouse eval run), to show results over time',
    status: 201,
    body: evalReport,
    response: z.object({ id: z.string(), created_at: z.iso.datetime({ offset: true }) }),
    handle: async ({ deps, body }) => {
      const id = `eval_${randomUUID()}`;
      const createdAt = Date.now();
      await deps.db
        .insertInto('eval_runs')
        .values({
          id,
          suite: body.suite,
          created_at: createdAt,
          team_id: null,
          cases: body.cases,
          passed: body.passed,
          pass_rate: body.pass_rate,
          cost_usd: body.cost_usd ?? null,
          verdict: body.verdict,
          report: JSON.stringify(body),
        })
        .execute();
      return { id, created_at: new Date(createdAt).toISOString() };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/admin/evals',
    summary: 'Stored eval reports, newest first (without their per-case results)',
    query: z.strictObject({
      suite: z.string().optional(),
      since: z.string().optional().describe('ISO 8601, epoch ms, or a span back from now'),
      ...paging,
    }),
    response: listOf(
      z.object({
        id: z.string(),
        suite: z.string(),
        created_at: z.iso.datetime({ offset: true }),
        cases: z.number().int(),
        passed: z.number().int(),
        pass_rate: z.number(),
        cost_usd: z.number().nullable(),
        verdict: z.string(),
      }),
    ),
    handle: async ({ deps, query }) => {
      let q = deps.db
        .selectFrom('eval_runs')
        .select(['id', 'suite', 'created_at', 'cases', 'passed', 'pass_rate', 'cost_usd', 'verdict']);
      if (query.suite) q = q.where('suite', '=', query.suite);
      if (query.since) q = q.where('created_at', '>=', parseTime(query.since, 'since', Date.now()));
      const after = decodeCursor(query.cursor, positionCursor);
      if (after) q = q.where('created_at', '<=', after.at).where(afterNewest('created_at', after));
      const rows = await q
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .limit(query.limit + 1)
        .execute();
      const page = cutPage(rows, query.limit);
      return {
        next_cursor: page.next ? encodeCursor(page.next) : null,
        data: page.rows.map((r) => ({
          ...r,
          created_at: new Date(Number(r.created_at)).toISOString(),
          cases: Number(r.cases),
          passed: Number(r.passed),
          pass_rate: Number(r.pass_rate),
          cost_usd: r.cost_usd === null ? null : Number(r.cost_usd),
        })),
      };
    },
  }),
];
