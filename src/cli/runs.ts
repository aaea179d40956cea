// gatehouse runs list | show, gatehouse approvals list | approve | deny: agent runs and the tool
// calls waiting for a person, through the admin API.
import { AdminClient, segment } from './admin-client.ts';
import type { Flags, Group } from './command.ts';
import { adminSections, display, listQuery, pagingFlags, printList, printObject, table } from './output.ts';

const runFilters: Flags = {
  key: { type: 'string', value: 'KEY', help: 'runs of one key (id or name)' },
  team: { type: 'string', value: 'TEAM', help: 'runs of one team (id or name)' },
  'run-id': { type: 'string', value: 'ID', help: 'one run id as the agent named it (under any key)' },
  since: { type: 'string', value: 'T', help: 'active since: ISO date-time, epoch ms, or 90m, 24h, 7d' },
  until: { type: 'string', value: 'T', help: 'active before' },
  region: { type: 'string', value: 'NAME', help: "read a data-residency region's store" },
};

interface Step {
  at: string;
  kind: string;
  model: string | null;
  server: string | null;
  tool: string | null;
  status: number;
  verdict: string;
  error_code: string | null;
  duration_ms: number | null;
  cost_usd: number | null;
}

export const runsGroup: Group = {
  name: 'runs',
  summary: 'Agent runs (x-gatehouse-run-id): their calls, cost and bounds.',
  actions: [
    {
      name: 'list',
      summary: 'Runs, the most recently active first (a table; --json for the API JSON)',
      flags: { ...runFilters, ...pagingFlags },
      sections: adminSections,
      async run(values) {
        const query = listQuery(values, Object.keys(runFilters));
        const page = await new AdminClient(values).list('/admin/runs', query, Boolean(values.all));
        printList(values, page, [
          'id',
          'last_at',
          'model_calls',
          'tool_calls',
          'errors',
          'refused_by_bounds',
          'cost_usd',
        ]);
        return 0;
      },
    },
    {
      name: 'show',
      summary: "One run's timeline: every model and tool call in order, with its cost, latency and verdict",
      args: ['RUN'],
      details: 'RUN is <key id>:<run id> as `runs list` shows it, or a run id only one key uses.',
      flags: { region: runFilters.region! },
      sections: adminSections,
      async run(values, [id]) {
        const query = listQuery(values, ['region']).toString();
        const run = await new AdminClient(values).request<Record<string, unknown> & { timeline: Step[] }>(
          'GET',
          `/admin/runs/${segment(id!)}${query ? `?${query}` : ''}`,
        );
        if (values.json) {
          printObject(values, run);
          return 0;
        }
        const { timeline, ...summary } = run;
        printObject(values, summary);
        console.log('');
        console.log(
          table(
            ['at', 'kind', 'call', 'status', 'verdict', 'duration', 'cost'],
            timeline.map((s) => [
              s.at,
              s.kind,
              s.kind === 'tool' ? `${s.server ?? '-'}/${s.tool ?? '-'}` : (s.model ?? '-'),
              String(s.status),
              s.error_code ? `${s.verdict} (${s.error_code})` : s.verdict,
              display('duration_ms', s.duration_ms),
              display('cost_usd', s.cost_usd),
            ]),
          ),
        );
        return 0;
      },
    },
  ],
};

const reasonFlag: Flags = {
  reason: {
    type: 'string',
    value: 'TEXT',
    help: 'why (the agent reads it with a denial; kept with the decision)',
  },
};

const decision = (verb: 'approve' | 'deny') => ({
  name: verb,
  summary:
    verb === 'approve'
      ? 'Let a waiting tool call run'
      : 'Refuse a waiting tool call (the agent gets an MCP error)',
  args: ['ID'],
  flags: reasonFlag,
  sections: adminSections,
  async run(values: Record<string, string | boolean | undefined>, [id]: string[]) {
    const body = typeof values.reason === 'string' ? { reason: values.reason } : {};
    printObject(
      values,
      await new AdminClient(values).request('POST', `/admin/approvals/${segment(id!)}/${verb}`, body),
    );
    return 0;
  },
});

export const approvalsGroup: Group = {
  name: 'approvals',
  summary: "Tool calls waiting for a person's approval: list, approve, deny.",
  actions: [
    {
      name: 'list',
      summary: 'Tool calls waiting for a decision, oldest first (--status for decided ones)',
      flags: {
        status: {
          type: 'string',
          value: 'STATUS',
          help: 'pending (default), approved, denied, timed_out, cancelled or all',
        },
        ...pagingFlags,
      },
      sections: adminSections,
      async run(values) {
        const query = listQuery(values, ['status']);
        const page = await new AdminClient(values).list('/admin/approvals', query, Boolean(values.all));
        printList(values, page, [
          'id',
          'status',
          'server',
          'tool',
          'key_id',
          'run_id',
          'requested_at',
          'expires_at',
        ]);
        return 0;
      },
    },
    decision('approve'),
    decision('deny'),
  ],
};
