// Pinned tool definitions, against the "rug pull": a server that changes a tool after it was
// trusted. The first definition seen of each tool (its name, description and schemas) is pinned by
// hash; a later different definition withholds the tool from every caller until an admin approves
// it (the diff is shown), and both the change and the approval are audited. Pins are shared by the
// replicas through the store; each replica reloads them every few seconds.
import { createHash } from 'node:crypto';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Kysely } from 'kysely';
import { GatehouseError } from '../core/errors/index.ts';
import { appendAudit } from '../governance/index.ts';
import type { McpToolPinsTable, Schema } from '../store/schema.ts';

/** What is pinned of a tool: what a model reads and what it may send. */
export function pinnedPart(tool: Tool): Record<string, unknown> {
  const part: Record<string, unknown> = { name: tool.name, inputSchema: tool.inputSchema };
  if (tool.description !== undefined) part.description = tool.description;
  if (tool.outputSchema !== undefined) part.outputSchema = tool.outputSchema;
  return part;
}

/** JSON with sorted keys: the same definition always hashes the same. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const definitionHash = (tool: Tool) =>
  `sha256:${createHash('sha256')
    .update(canonical(pinnedPart(tool)))
    .digest('hex')}`;

export interface Change {
  path: string;
  before?: unknown;
  after?: unknown;
}

/** Where two definitions differ, path by path (`description`, `inputSchema.properties.q.type`). */
export function diff(before: unknown, after: unknown, path = ''): Change[] {
  const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const a = before as Record<string, unknown>;
    const b = after as Record<string, unknown>;
    return [...new Set([...Object.keys(a), ...Object.keys(b)])]
      .sort()
      .flatMap((k) => diff(a[k], b[k], path ? `${path}.${k}` : k));
  }
  if (canonical(before) === canonical(after)) return [];
  const change: Change = { path: path || '.' };
  if (before !== undefined) change.before = before;
  if (after !== undefined) change.after = after;
  return [change];
}

const key = (server: string, tool: string) => `${server}\u0000${tool}`;

export class PinStore {
  readonly #db: Kysely<Schema>;
  #pins = new Map<string, McpToolPinsTable>();
  #timer: NodeJS.Timeout | undefined;
  /** Called when pins changed elsewhere (an approval on another replica). */
  onChange: (() => void) | undefined;

  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }

  async load(): Promise<void> {
    const rows = await this.#db.selectFrom('mcp_tool_pins').selectAll().execute();
    const before = this.#pins;
    this.#pins = new Map(rows.map((r) => [key(r.server, r.tool), r]));
    if (before.size > 0 && [...this.#pins].some(([k, r]) => before.get(k)?.hash !== r.hash))
      this.onChange?.();
  }

  startPolling(ms: number): void {
    this.#timer = setInterval(() => void this.load().catch(() => {}), ms);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /**
   * The names of a server's tools that are withheld: their definition differs from the pinned one.
   * Tools seen for the first time are pinned; a new change is recorded for approval and audited.
   */
  async withheld(server: string, tools: Tool[]): Promise<Set<string>> {
    const held = new Set<string>();
    for (const tool of tools) {
      const hash = definitionHash(tool);
      const pin = this.#pins.get(key(server, tool.name));
      if (pin?.hash === hash) continue;
      if (!pin) {
        await this.#pinFirst(server, tool, hash);
        const stored = this.#pins.get(key(server, tool.name));
        if (stored && stored.hash !== hash) held.add(tool.name);
        continue;
      }
      held.add(tool.name);
      if (pin.pending_hash !== hash) await this.#recordChange(pin, tool, hash);
    }
    return held;
  }

  async #pinFirst(server: string, tool: Tool, hash: string): Promise<void> {
    const row: McpToolPinsTable = {
      server,
      tool: tool.name,
      hash,
      definition: JSON.stringify(pinnedPart(tool)),
      pending_hash: null,
      pending_definition: null,
      first_seen_at: Date.now(),
      changed_at: null,
      approved_at: null,
      approved_by: null,
    };
    await this.#db
      .insertInto('mcp_tool_pins')
      .values(row)
      .onConflict((oc) => oc.columns(['server', 'tool']).doNothing())
      .execute();
    // Another replica may have pinned it first: what the store holds is the pin.
    const stored = await this.#db
      .selectFrom('mcp_tool_pins')
      .selectAll()
      .where('server', '=', server)
      .where('tool', '=', tool.name)
      .executeTakeFirst();
    this.#pins.set(key(server, tool.name), stored ?? row);
  }

  async #recordChange(pin: McpToolPinsTable, tool: Tool, hash: string): Promise<void> {
    const definition = JSON.stringify(pinnedPart(tool));
    const changed = { ...pin, pending_hash: hash, pending_definition: definition, changed_at: Date.now() };
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .updateTable('mcp_tool_pins')
        .set({ pending_hash: hash, pending_definition: definition, changed_at: changed.changed_at })
        .where('server', '=', pin.server)
        .where('tool', '=', pin.tool)
        .execute();
      await appendAudit(trx, {
        actor: 'gatehouse',
        action: 'mcp.tool.changed',
        targetType: 'mcp_tool',
        targetId: `${pin.server}/${pin.tool}`,
        before: { hash: pin.hash, definition: JSON.parse(pin.definition) },
        after: { hash, definition: JSON.parse(definition) },
      });
    });
    this.#pins.set(key(pin.server, pin.tool), changed);
  }

  /** Pins the pending definition of a tool; refused when there is none (or it is not `hash`). */
  async approve(server: string, tool: string, actor: string, hash?: string): Promise<McpToolPinsTable> {
    const updated = await this.#db.transaction().execute(async (trx) => {
      const pin = await trx
        .selectFrom('mcp_tool_pins')
        .selectAll()
        .where('server', '=', server)
        .where('tool', '=', tool)
        .executeTakeFirst();
      if (!pin)
        throw new GatehouseError(
          'GH_NOT_FOUND',
          `No tool "${tool}" of the MCP server "${server}" has been seen.`,
        );
      if (!pin.pending_hash || !pin.pending_definition)
        throw new GatehouseError(
          'GH_CONFLICT',
          `The tool "${tool}" of "${server}" has no changed definition to approve.`,
        );
      if (hash !== undefined && hash !== pin.pending_hash)
        throw new GatehouseError(
          'GH_CONFLICT',
          `The pending definition is ${pin.pending_hash}, not ${hash}: it changed again; review it first.`,
        );
      const now = Date.now();
      const next: McpToolPinsTable = {
        ...pin,
        hash: pin.pending_hash,
        definition: pin.pending_definition,
        pending_hash: null,
        pending_definition: null,
        approved_at: now,
        approved_by: actor,
      };
      await trx
        .updateTable('mcp_tool_pins')
        .set({
          hash: next.hash,
          definition: next.definition,
          pending_hash: null,
          pending_definition: null,
          approved_at: now,
          approved_by: actor,
        })
        .where('server', '=', server)
        .where('tool', '=', tool)
        .execute();
      await appendAudit(trx, {
        actor,
        action: 'mcp.tool.approve',
        targetType: 'mcp_tool',
        targetId: `${server}/${tool}`,
        before: { hash: pin.hash, definition: JSON.parse(pin.definition) },
        after: { hash: next.hash, definition: JSON.parse(next.definition) },
      });
      return next;
    });
    this.#pins.set(key(server, tool), updated);
    return updated;
  }

  async list(filter: {
    server?: string | undefined;
    pending?: boolean | undefined;
  }): Promise<McpToolPinsTable[]> {
    let query = this.#db.selectFrom('mcp_tool_pins').selectAll().orderBy('server').orderBy('tool');
    if (filter.server) query = query.where('server', '=', filter.server);
    if (filter.pending) query = query.where('pending_hash', 'is not', null);
    return query.execute();
  }
}
