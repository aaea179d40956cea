// GET /admin/guardrails/verdicts: the verdicts over time (guardrail-verdicts.ts). POST
// /admin/guardrails/backtest: a draft guardrail policy replayed over the stored request bodies of a
// period (guardrails/backtest.ts), reported per team. `gatehouse guardrails backtest` calls it.
import { z } from 'zod';
import { guardrailNames, guardrailProblems, guardrailsSchema } from '../../config/guardrails.ts';
import { GatehouseError } from '../../core/errors/index.ts';
import { findTeam } from '../../governance/index.ts';
import { Backtest } from '../../guardrails/backtest.ts';
import { withIds } from '../contract.ts';
import type { AdminDeps } from '../deps.ts';
import { queryVerdicts, verdictQuery, verdictReportSchema } from '../guardrail-verdicts.ts';
import { defineRoute } from '../route.ts';
import { parseTime } from '../usage.ts';

const backtestInput = z.strictObject({
  policy: z
    .strictObject({
      guardrails: guardrailsSchema,
      default_guardrails: guardrailNames
        .optional()
        .describe('The draft guardrails to apply, in order (default: all of them)'),
    })
    .describe("A draft policy in gatehouse.yaml's shape"),
  since: z.string().default('7d').describe('ISO 8601, epoch ms, or a span back from now (default 7d)'),
  until: z.string().optional().describe('ISO 8601, epoch ms, or a span back from now (default now)'),
  team: z.string().optional().describe('One team (id or name)'),
  limit: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(10_000)
    .describe('At most this many stored requests, the newest first'),
});

const count = z.number().int();
const backtestReport = z.object({
  since: z.iso.datetime({ offset: true }),
  until: z.iso.datetime({ offset: true }),
  events_scanned: count.describe('Stored requests with a body the policy was replayed over'),
  events_without_body: count.describe('Stored requests whose body logging kept no text (metadata or off)'),
  skipped: z.array(z.object({ guardrail: z.string(), reason: z.string() })),
  teams: z.array(
    z.object({
      team_id: z.string().nullable(),
      team: z.string().nullable(),
      requests: count,
      blocked: count,
      redacted: count,
      warned: count,
      passed: count,
      by_guardrail: z.array(
        z.object({
          guardrail: z.string(),
          blocked: count,
          redacted: count,
          warned: count,
          entities: z.record(z.string(), count).describe('Entity types found, never the text'),
        }),
      ),
      check_ms_mean: z.number(),
      check_ms_p95: z.number(),
      us_per_kb: z.number().describe('Microseconds of checking per KB of text'),
    }),
  ),
});

/** Problems of the draft, with their path under `policy`. External judges' models are not checked: they are not replayed. */
function checkPolicy(policy: z.output<typeof backtestInput>['policy']): void {
  const problems = guardrailProblems({
    guardrails: policy.guardrails,
    default_guardrails: policy.default_guardrails ?? [],
    models: {},
  }).filter((p) => !/\.model: unknown model/.test(p));
  if (problems.length > 0)
    throw new GatehouseError('GH_INVALID_REQUEST', problems.map((p) => `policy.${p}`).join('; '), {
      param: `policy.${problems[0]!.split(':')[0]}`,
    });
}

async function teamNames(deps: AdminDeps, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await deps.db.selectFrom('teams').select(['id', 'name']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

export const guardrailRoutes = [
  defineRoute({
    method: 'GET',
    path: '/admin/guardrails/verdicts',
    summary:
      'Guardrail verdicts (blocked, redacted, warned, error) per hour or day, by guardrail, team or action; enforced and shadow apart',
    // A report of sums cannot be filtered row by row: a caller of several teams names one.
    access: { role: 'viewer', list: { query: 'team', requireTeam: true } },
    query: verdictQuery,
    response: verdictReportSchema,
    handle: async ({ deps, query }) =>
      queryVerdicts(deps.events.database(query.region ?? null).db, await withIds(deps, query), deps.db),
  }),
  defineRoute({
    method: 'POST',
    path: '/admin/guardrails/backtest',
    summary:
      'Replay a draft guardrail policy over stored request bodies: what it would have blocked, redacted or flagged, per team',
    body: backtestInput,
    response: backtestReport,
    handle: async ({ deps, body }) => {
      checkPolicy(body.policy);
      const now = Date.now();
      const since = parseTime(body.since, 'since', now);
      const until = body.until === undefined ? now : parseTime(body.until, 'until', now);
      const team =
        body.team === undefined ? undefined : await findTeam(deps.db, body.team, { param: 'team' });
      const backtest = new Backtest(body.policy.guardrails, body.policy.default_guardrails ?? []);
      let left = body.limit;
      for (const region of [null, ...deps.regions]) {
        if (left <= 0) break;
        let q = deps.events
          .database(region)
          .db.selectFrom('request_events')
          .select(['team_id', 'request_body', 'response_body'])
          .where('received_at', '>=', since)
          .where('received_at', '<', until)
          .where('request_body', 'is not', null);
        if (team) q = q.where('team_id', '=', team.id);
        const rows = await q.orderBy('received_at', 'desc').limit(left).execute();
        left -= rows.length;
        for (let i = 0; i < rows.length; i++) {
          await backtest.add(rows[i]!);
          // The checks are synchronous CPU work: the data plane gets the event loop back between batches.
          if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
        }
      }
      const report = backtest.report();
      const names = await teamNames(
        deps,
        report.teams.flatMap((t) => (t.team_id ? [t.team_id] : [])),
      );
      return {
        since: new Date(since).toISOString(),
        until: new Date(until).toISOString(),
        ...report,
        teams: report.teams.map((t) => ({ ...t, team: t.team_id ? (names.get(t.team_id) ?? null) : null })),
      };
    },
  }),
];
