// What the CLI prints: tables for lists, `key: value` lines for one object, or the API's JSON as is.
// Only the human forms are rounded (money to the micro-dollar, durations to whole ms): --json keeps
// what the API said.
import { AdminClient, connectionFlags } from './admin-client.ts';
import type { Flags, Values } from './command.ts';

export const outputFlags: Flags = {
  json: { type: 'boolean', help: "print the admin API's JSON instead of text" },
};

export const pagingFlags: Flags = {
  limit: { type: 'string', value: 'N', help: 'at most N rows per page (the API default when absent)' },
  cursor: { type: 'string', value: 'CURSOR', help: 'continue from the next_cursor a previous page gave' },
  all: { type: 'boolean', help: 'follow next_cursor to the last page' },
};

/** The flag sections every admin command shows after its own. */
export const adminSections = [
  { title: 'Output', flags: outputFlags },
  { title: 'Connection', flags: connectionFlags },
];

/** `--limit` and `--cursor` and the given filter flags as the list's query (`--min-cost` → `min_cost`). */
export function listQuery(values: Values, filters: string[] = []): URLSearchParams {
  const query = new URLSearchParams();
  for (const name of ['limit', 'cursor', ...filters]) {
    const value = values[name];
    if (value !== undefined && value !== false) query.set(name.replaceAll('-', '_'), String(value));
  }
  return query;
}

type Row = Record<string, unknown>;

/**
 * Dollars, without float noise: nine decimals at most (the admin API's rounding; one cheap embedding
 * call costs less than a micro-dollar and must not show as free), trailing zeros dropped, at least two.
 */
export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  return `$${value.toFixed(9).replace(/0{1,7}$/, '')}`;
}

export function durationMs(value: number): string {
  return `${Math.round(value)}ms`;
}

/** One value as a person reads it; the field name says whether it is money or a duration. */
export function display(name: string, value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'number') {
    if (/(^|_)usd$/.test(name)) return usd(value);
    if (/_ms$/.test(name)) return durationMs(value);
    return String(Number.isInteger(value) ? value : Number(value.toFixed(6)));
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return '(none)';
    return value.every((v) => typeof v !== 'object' || v === null) ? value.join(', ') : JSON.stringify(value);
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Row);
    if (entries.length === 0) return '(none)';
    return entries
      .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(', ');
  }
  return String(value);
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Nested objects become dotted names (`budget.usd`), so every line is one value. */
function flatten(object: Row, prefix = ''): Array<[string, unknown]> {
  return Object.entries(object).flatMap(([key, value]): Array<[string, unknown]> => {
    const name = prefix + key;
    const nested =
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      Object.keys(value).length > 0 &&
      // metadata and tags are the caller's own pairs: one line, k=v
      !['metadata', 'tags'].includes(key);
    return nested ? flatten(value as Row, `${name}.`) : [[name, value]];
  });
}

export function keyValues(object: Row): string {
  const entries = flatten(object);
  const width = Math.max(0, ...entries.map(([k]) => k.length)) + 2;
  return entries.map(([k, v]) => `${`${k}:`.padEnd(width)}${display(k.split('.').at(-1)!, v)}`).join('\n');
}

export function printObject(values: Values, object: unknown): void {
  if (values.json || object === null || typeof object !== 'object')
    console.log(JSON.stringify(object, null, 2));
  else console.log(keyValues(object as Row));
}

export function printList(
  values: Values,
  page: { data: Row[]; next_cursor: string | null },
  columns: string[],
): void {
  if (values.json) {
    console.log(JSON.stringify(page, null, 2));
    return;
  }
  if (page.data.length === 0) console.log('(none)');
  else
    console.log(
      table(
        columns,
        page.data.map((row) => columns.map((c) => display(c, row[c]))),
      ),
    );
  if (page.next_cursor) console.error(`More: add --cursor ${page.next_cursor} (or --all).`);
}

/** The `run` of an action that asks the admin API one thing and prints the answer as one object. */
export function showAnswer(
  ask: (client: AdminClient, args: string[], values: Values) => Promise<unknown>,
): (values: Values, args: string[]) => Promise<number> {
  return async (values, args) => {
    printObject(values, await ask(new AdminClient(values), args, values));
    return 0;
  };
}

/** After a delete: the API's last view of the object with --json, else one sentence. */
export function printDeleted(values: Values, what: string, ref: string, answer: unknown): void {
  if (values.json) console.log(JSON.stringify(answer ?? { deleted: ref }, null, 2));
  else console.log(`Deleted ${what} "${ref}".`);
}
