// gatehouse logs tail | usage: the request log and usage reports, read through the admin API.
import { setTimeout as sleep } from 'node:timers/promises';
import { adminOptions, adminOptionsHelp, adminRequest } from './admin-client.ts';
import type { Command } from './command.ts';

type Values = Record<string, string | boolean | undefined>;

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
}

const filters = ['team', 'key', 'user', 'model', 'provider', 'status', 'tag'] as const;

function query(values: Values, names: readonly string[]): URLSearchParams {
  const params = new URLSearchParams();
  for (const name of names) if (typeof values[name] === 'string') params.set(name, values[name] as string);
  return params;
}

const usd = (cost: number | null) => (cost === null ? 'unpriced' : `$${cost.toFixed(6)}`);

function eventLine(e: LogEvent): string {
  return [
    e.received_at,
    e.status,
    e.model ?? '-',
    e.provider ?? '-',
    e.stream ? 'stream' : 'json',
    `${e.input_tokens ?? 0}→${e.output_tokens ?? 0} tok`,
    usd(e.cost_usd),
    `${Math.round(e.duration_ms ?? 0)}ms`,
    e.team_id ?? '-',
    e.request_id,
  ].join('  ');
}

/** Events are written a moment after their request ends, and long streams end long after they began. */
const lookbackMs = 120_000;

async function tail(values: Values): Promise<number> {
  const interval = Number(values.interval ?? 1);
  const lines = Number(values.lines ?? 20);
  if (!(interval > 0) || !Number.isInteger(lines) || lines < 0) {
    console.error('gatehouse: --interval must be a positive number of seconds and --lines a whole number');
    return 2;
  }
  /** Event ids printed, with their time (epoch ms), forgotten once older than the lookback. */
  const seen = new Map<string, number>();
  const print = (e: LogEvent) => console.log(values.json ? JSON.stringify(e) : eventLine(e));
  let first = true;
  for (;;) {
    const params = query(values, filters);
    params.set('limit', '1000');
    if (!first) params.set('since', String(Date.now() - lookbackMs));
    const result = await adminRequest(values, 'GET', `/admin/logs?${params}`, undefined, false);
    if (result.code !== 0) return result.code;
    const events = (result.body as { data: LogEvent[] }).data.reverse();
    const fresh = events.filter((e) => !seen.has(e.id));
    for (const e of fresh) seen.set(e.id, Date.parse(e.received_at));
    // The first page shows the last N; after that, everything not shown before.
    for (const e of first ? fresh.slice(fresh.length - Math.min(lines, fresh.length)) : fresh) print(e);
    for (const [id, at] of seen) if (at < Date.now() - 2 * lookbackMs) seen.delete(id);
    if (values.once) return 0;
    if (first) console.error('Following the request log; Ctrl-C to stop.');
    first = false;
    await sleep(interval * 1000);
  }
}

export const logsCommand: Command = {
  usage: `Usage:
  gatehouse logs tail [filters] [--lines N] [--interval S] [--json] [--once]

Prints the last N events (default 20), then new ones as they are recorded, until interrupted.
--once prints the last N and exits. --json prints one JSON event per line.

Filters:
      --team ID  --key ID  --user ID  --model NAME  --provider NAME  --status CODE  --tag k=v

${adminOptionsHelp}`,
  options: {
    ...adminOptions,
    ...Object.fromEntries(filters.map((f) => [f, { type: 'string' as const }])),
    lines: { type: 'string', short: 'n' },
    interval: { type: 'string' },
    json: { type: 'boolean' },
    once: { type: 'boolean' },
  },
  async run(values, [action]) {
    if (action === 'tail') return tail(values);
    console.error(this.usage);
    return 2;
  },
};

const columns = ['requests', 'errors', 'input_tokens', 'output_tokens', 'cost_usd'] as const;

export const usageCommand: Command = {
  usage: `Usage:
  gatehouse usage [--by team|key|user|model|provider|tag:NAME[,…]] [--since 7d] [--until T]
                  [--bucket day|hour|none] [--team ID] [--key ID] [--user ID] [--model M] [--provider P] [--json]

Spend, tokens and requests from the hourly rollups. --since and --until take an ISO date-time,
epoch milliseconds, or a span back from now (90m, 24h, 7d, 4w). Days and hours are UTC.

${adminOptionsHelp}`,
  options: {
    ...adminOptions,
    ...Object.fromEntries(
      ['by', 'since', 'until', 'bucket', 'team', 'key', 'user', 'model', 'provider'].map((f) => [
        f,
        { type: 'string' as const },
      ]),
    ),
    json: { type: 'boolean' },
  },
  async run(values, positionals) {
    if (positionals.length > 0) {
      console.error(this.usage);
      return 2;
    }
    const params = query(values, [
      'by',
      'since',
      'until',
      'bucket',
      'team',
      'key',
      'user',
      'model',
      'provider',
    ]);
    params.set('limit', '1000');
    // The report pages like every admin list: read every page, then print the rows and the totals.
    let report: {
      data: Array<Record<string, unknown>>;
      totals: Record<string, number>;
      next_cursor: string | null;
    };
    let rows: Array<Record<string, unknown>> = [];
    do {
      const result = await adminRequest(values, 'GET', `/admin/usage?${params}`, undefined, false);
      if (result.code !== 0) return result.code;
      report = result.body as typeof report;
      rows = rows.concat(report.data);
      if (report.next_cursor !== null) params.set('cursor', report.next_cursor);
    } while (report.next_cursor !== null);
    report = { ...report, data: rows };
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
      return 0;
    }
    const keys = report.data[0]
      ? Object.keys(report.data[0]).filter(
          (k) =>
            !(columns as readonly string[]).includes(k) &&
            !['unpriced', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens'].includes(k),
        )
      : [];
    const table = report.data.map((row) => [
      ...keys.map((k) => String(row[k] ?? '-')),
      ...columns.map((c) => (c === 'cost_usd' ? usd(row[c] as number) : String(row[c]))),
    ]);
    table.push([
      ...keys.map((_, i) => (i === 0 ? 'total' : '')),
      ...columns.map((c) => (c === 'cost_usd' ? usd(report.totals[c]!) : String(report.totals[c]))),
    ]);
    printTable([...keys, ...columns], table);
    return 0;
  },
};

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}
