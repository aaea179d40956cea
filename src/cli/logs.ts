// gatehouse logs tail | list, gatehouse usage: the request log and usage reports, read through the admin API.
import { setTimeout as sleep } from 'node:timers/promises';
import { AdminClient } from './admin-client.ts';
import { type Action, type Flags, type Group, UsageError, type Values } from './command.ts';
import { adminSections, durationMs, listQuery, pagingFlags, printList, table, usd } from './output.ts';

interface LogEvent {
  id: string;
  request_id: string;
  /** ISO 8601. */
  received_at: string;
  status: number;
  model: string | null;
  provider: string | null;
  team_id: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
  duration_ms: number | null;
  stream: boolean;
  kind?: 'model' | 'tool';
  mcp_server?: string | null;
  tool?: string | null;
}

const filterFlags: Flags = {
  team: { type: 'string', value: 'TEAM', help: 'one team (id or name)' },
  key: { type: 'string', value: 'KEY', help: 'one key' },
  user: { type: 'string', value: 'USER', help: 'one user (id or name)' },
  model: { type: 'string', value: 'NAME', help: 'one model' },
  provider: { type: 'string', value: 'NAME', help: 'one provider' },
  status: { type: 'string', value: 'CODE', help: 'one HTTP status, e.g. 429' },
  tag: { type: 'string', value: 'k=v', help: 'events carrying this tag' },
  'request-id': { type: 'string', value: 'ID', help: 'one request (abc* for a prefix)' },
  'trace-id': { type: 'string', value: 'ID', help: 'one trace' },
  'min-cost': { type: 'string', value: 'USD', help: 'events that cost at least this' },
  region: { type: 'string', value: 'NAME', help: "read a data-residency region's store" },
  guardrail: { type: 'string', value: 'NAME', help: 'events a guardrail left a verdict on' },
  'guardrail-action': {
    type: 'string',
    value: 'ACTION',
    help: 'events with a blocked, redacted, warned or error verdict',
  },
  kind: { type: 'string', value: 'KIND', help: 'model or tool (tool calls through /mcp)' },
  server: { type: 'string', value: 'NAME', help: 'one MCP server (tool calls)' },
  tool: { type: 'string', value: 'NAME', help: 'one tool, by its name at its server' },
};
const filters = Object.keys(filterFlags);

function eventLine(e: LogEvent): string {
  if (e.kind === 'tool')
    return [
      e.received_at,
      e.status,
      `${e.mcp_server}__${e.tool}`,
      'tool',
      durationMs(e.duration_ms ?? 0),
      e.team_id ?? '-',
      e.request_id,
    ].join('  ');
  return [
    e.received_at,
    e.status,
    e.model ?? '-',
    e.provider ?? '-',
    e.stream ? 'stream' : 'json',
    `${e.input_tokens ?? 0}→${e.output_tokens ?? 0} tok`,
    e.cost_usd === null ? 'unpriced' : usd(e.cost_usd),
    durationMs(e.duration_ms ?? 0),
    e.team_id ?? '-',
    e.request_id,
  ].join('  ');
}

/** Events are written a moment after their request ends, and long streams end long after they began. */
const lookbackMs = 120_000;

async function tail(values: Values): Promise<number> {
  const interval = Number(values.interval ?? 1);
  const lines = Number(values.lines ?? 20);
  if (!(interval > 0) || !Number.isInteger(lines) || lines < 0)
    throw new UsageError('--interval must be a positive number of seconds and --lines a whole number.');
  const client = new AdminClient(values);
  const seen = new Map<string, number>();
  const print = (e: LogEvent) => console.log(values.json ? JSON.stringify(e) : eventLine(e));
  let first = true;
  for (;;) {
    const params = listQuery(values, filters);
    params.set('limit', '1000');
    if (!first) params.set('since', new Date(Date.now() - lookbackMs).toISOString());
    const events = (
      await client.request<{ data: LogEvent[] }>('GET', `/admin/logs?${params}`)
    ).data.reverse();
    const fresh = events.filter((e) => !seen.has(e.id));
    for (const e of fresh) seen.set(e.id, Date.parse(e.received_at));
    // The first page shows the last N; after that, everything not shown before.
    for (const e of first ? fresh.slice(fresh.length - Math.min(lines, fresh.length)) : fresh) print(e);
    for (const [id, time] of seen) if (time < Date.now() - 2 * lookbackMs) seen.delete(id);
    if (values.once) return 0;
    if (first) console.error('Following the request log; Ctrl-C to stop.');
    first = false;
    await sleep(interval * 1000);
  }
}

const timeHelp = 'an ISO date-time, epoch ms, or a span back from now (90m, 24h, 7d, 4w)';

export const logsGroup: Group = {
  name: 'logs',
  summary: 'The request log: one event per request, newest first.',
  actions: [
    {
      name: 'tail',
      summary: 'Print the last N events, then new ones as they are recorded, until interrupted',
      flags: {
        ...filterFlags,
        lines: { type: 'string', short: 'n', value: 'N', help: 'how many to show first (default 20)' },
        interval: { type: 'string', value: 'S', help: 'seconds between polls (default 1)' },
        once: { type: 'boolean', help: 'print the last N and exit' },
      },
      details: '--json prints one JSON event per line.',
      sections: adminSections,
      run: tail,
    },
    {
      name: 'list',
      summary: 'One page of events, newest first (a table; --json for the API JSON)',
      flags: {
        ...filterFlags,
        since: { type: 'string', value: 'T', help: timeHelp },
        until: { type: 'string', value: 'T', help: timeHelp },
        ...pagingFlags,
      },
      sections: adminSections,
      async run(values) {
        const query = listQuery(values, [...filters, 'since', 'until']);
        const page = await new AdminClient(values).list<Record<string, unknown>>(
          '/admin/logs',
          query,
          Boolean(values.all),
        );
        printList(values, page, [
          'received_at',
          'status',
          'model',
          'provider',
          'input_tokens',
          'output_tokens',
          'cost_usd',
          'duration_ms',
          'request_id',
        ]);
        return 0;
      },
    },
  ],
};

interface UsageReport {
  data: Array<Record<string, unknown>>;
  totals: Record<string, number>;
  next_cursor: string | null;
}

const baseColumns = ['requests', 'errors', 'input_tokens', 'output_tokens', 'cost_usd'];
/** Shown only when the response cache looked anything up in the period. */
const cacheColumns = ['cache_hit_rate', 'saved_usd'];
const hidden = [
  'unpriced',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cache_lookups',
  'cache_hits',
  ...cacheColumns,
];
const usageFilters = ['by', 'since', 'until', 'bucket', 'team', 'key', 'user', 'model', 'provider', 'region'];

export const usageAction: Action = {
  name: 'usage',
  summary: 'Spend, tokens and requests by team, key, user, model, provider or tag',
  details: `From the hourly rollups. Days and hours are UTC.`,
  flags: {
    by: {
      type: 'string',
      value: 'DIMS',
      help: 'team, key, user, model, provider or tag:NAME, comma-separated',
    },
    since: { type: 'string', value: 'T', help: `from (default 7d); ${timeHelp}` },
    until: { type: 'string', value: 'T', help: 'to (default now)' },
    bucket: { type: 'string', value: 'SIZE', help: 'day (default), hour or none' },
    team: filterFlags.team!,
    key: filterFlags.key!,
    user: filterFlags.user!,
    model: filterFlags.model!,
    provider: filterFlags.provider!,
    region: filterFlags.region!,
  },
  sections: adminSections,
  async run(values) {
    // The report pages like every admin list; its totals cover every page. Read them all.
    const query = listQuery(values, usageFilters);
    query.set('limit', '1000');
    const client = new AdminClient(values);
    let report = await client.request<UsageReport>('GET', `/admin/usage?${query}`);
    const rows = [...report.data];
    while (report.next_cursor) {
      query.set('cursor', report.next_cursor);
      report = await client.request<UsageReport>('GET', `/admin/usage?${query}`);
      rows.push(...report.data);
    }
    report = { ...report, data: rows, next_cursor: null };
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
      return 0;
    }
    const columns =
      Number(report.totals.cache_lookups ?? 0) > 0 ? [...baseColumns, ...cacheColumns] : baseColumns;
    // The rollups' estimated percentiles stay in --json; a report by experiment shows its exact ones.
    const estimates = !('experiment' in (report.data[0] ?? {}));
    const keys = report.data[0]
      ? Object.keys(report.data[0]).filter(
          (k) => !baseColumns.includes(k) && !hidden.includes(k) && !(estimates && k.endsWith('_ms')),
        )
      : [];
    const cell = (c: string, value: unknown) =>
      c === 'cost_usd' || c === 'saved_usd'
        ? usd(value as number)
        : c === 'cache_hit_rate'
          ? value === null || value === undefined
            ? '-'
            : `${Math.round((value as number) * 1000) / 10}%`
          : String(value);
    const cells = report.data.map((row) => [
      ...keys.map((k) => String(row[k] ?? '-')),
      ...columns.map((c) => cell(c, row[c])),
    ]);
    cells.push([
      ...keys.map((_, i) => (i === 0 ? 'total' : '')),
      ...columns.map((c) => cell(c, report.totals[c])),
    ]);
    console.log(table([...keys, ...columns], cells));
    return 0;
  },
};
