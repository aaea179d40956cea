// gatehouse guardrails backtest: a draft policy (a YAML file with a guardrails: map, in
// gatehouse.yaml's shape) replayed over stored request bodies through the admin API.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { AdminClient } from './admin-client.ts';
import { type Group, UsageError } from './command.ts';
import { adminSections, table } from './output.ts';

interface Report {
  since: string;
  until: string;
  events_scanned: number;
  events_without_body: number;
  skipped: Array<{ guardrail: string; reason: string }>;
  teams: Array<{
    team_id: string | null;
    team: string | null;
    requests: number;
    blocked: number;
    redacted: number;
    warned: number;
    passed: number;
    by_guardrail: Array<{ guardrail: string; entities: Record<string, number> }>;
    check_ms_mean: number;
    check_ms_p95: number;
  }>;
}

function readPolicy(file: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read the policy ${file}: ${(err as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || !('guardrails' in raw))
    throw new UsageError(`${file} holds no guardrails: map (write it as in gatehouse.yaml).`);
  const { guardrails, default_guardrails } = raw as Record<string, unknown>;
  return default_guardrails === undefined ? { guardrails } : { guardrails, default_guardrails };
}

export const guardrailsGroup: Group = {
  name: 'guardrails',
  summary: 'Try guardrails before enforcing them.',
  actions: [
    {
      name: 'backtest',
      summary:
        'Replay a draft policy over stored request bodies: what it would block, redact or flag, per team',
      flags: {
        policy: {
          type: 'string',
          value: 'FILE',
          help: 'YAML with a guardrails: map (and optionally default_guardrails)',
        },
        since: { type: 'string', value: 'T', help: 'from (default 7d): ISO 8601, epoch ms, or 90m, 24h, 7d' },
        until: { type: 'string', value: 'T', help: 'to (default now)' },
        team: { type: 'string', value: 'TEAM', help: 'one team (id or name)' },
        limit: {
          type: 'string',
          value: 'N',
          help: 'at most N stored requests, newest first (default 10000)',
        },
      },
      required: ['policy'],
      details:
        'Only requests whose body logging is full kept text to replay; external checks are not replayed.',
      sections: adminSections,
      async run(values) {
        const body: Record<string, unknown> = { policy: readPolicy(String(values.policy)) };
        for (const name of ['since', 'until', 'team'] as const)
          if (typeof values[name] === 'string') body[name] = values[name];
        if (typeof values.limit === 'string') body.limit = Number(values.limit);
        const report = await new AdminClient(values).request<Report>(
          'POST',
          '/admin/guardrails/backtest',
          body,
        );
        if (values.json) {
          console.log(JSON.stringify(report, null, 2));
          return 0;
        }
        console.log(
          `${report.events_scanned} stored requests replayed (${report.events_without_body} without a body kept), ${report.since} to ${report.until}`,
        );
        for (const s of report.skipped) console.log(`skipped ${s.guardrail}: ${s.reason}`);
        const rows = report.teams.map((t) => [
          t.team ?? t.team_id ?? '-',
          String(t.requests),
          String(t.blocked),
          String(t.redacted),
          String(t.warned),
          t.by_guardrail
            .map(
              (g) =>
                `${g.guardrail}(${Object.entries(g.entities)
                  .map(([e, n]) => `${e}×${n}`)
                  .join(',')})`,
            )
            .join(' ') || '-',
          `${t.check_ms_mean} ms`,
          `${t.check_ms_p95} ms`,
        ]);
        console.log(
          table(['team', 'requests', 'blocked', 'redacted', 'warned', 'found', 'mean', 'p95'], rows),
        );
        return 0;
      },
    },
  ],
};
