// Stored responses of the Responses surface: the conversation state behind previous_response_id,
// item references and the input-items listing. Each team's responses live in the store its request
// log goes to (its residency region's, else the default) and are reached only by that team.
import type { ExpressionBuilder } from 'kysely';
import type { Database } from './database.ts';
import type { Schema } from './schema.ts';

export interface ResponseScope {
  /** null for the master key, which has no team. */
  teamId: string | null;
  region: string | null;
}

export interface StoredResponse {
  id: string;
  keyId: string | null;
  model: string;
  previousResponseId: string | null;
  response: Record<string, unknown>;
  input: Array<Record<string, unknown>>;
  output: Array<Record<string, unknown>>;
}

export interface ItemPage {
  items: Array<Record<string, unknown>>;
  hasMore: boolean;
}

/** The rows of the scope's team (`team_id IS NULL` for the master key, which has none). */
function sameTeam(scope: ResponseScope, column: 'team_id' | 'response_items.team_id') {
  return (eb: ExpressionBuilder<Schema, 'responses' | 'response_items'>) =>
    scope.teamId === null ? eb(column, 'is', null) : eb(column, '=', scope.teamId);
}

/** Longest previous_response_id chain followed: a loop or a runaway chain ends here. */
const maxChain = 1_000;

export class ResponseStore {
  readonly #databaseFor: (region: string | null) => Database;
  /**
   * Writes still in flight, by response id. The answer reaches the caller while its row is being
   * written; a follow-up on this replica waits for the write instead of missing it.
   */
  readonly #pending = new Map<string, Promise<void>>();

  constructor(databaseFor: (region: string | null) => Database) {
    this.#databaseFor = databaseFor;
  }

  /** Starts the write and returns at once; failures go to `onError`. */
  save(scope: ResponseScope, stored: StoredResponse, onError: (err: unknown) => void): void {
    const write = this.#write(scope, stored)
      .catch(onError)
      .finally(() => {
        if (this.#pending.get(stored.id) === write) this.#pending.delete(stored.id);
      });
    this.#pending.set(stored.id, write);
  }

  async #write(scope: ResponseScope, stored: StoredResponse): Promise<void> {
    const rows = [
      ...stored.input.map((item) => ({ kind: 'input' as const, item })),
      ...stored.output.map((item) => ({ kind: 'output' as const, item })),
    ].map(({ kind, item }, position) => ({
      response_id: stored.id,
      position,
      kind,
      item_id: typeof item.id === 'string' ? item.id : null,
      team_id: scope.teamId,
      item: JSON.stringify(item),
    }));
    await this.#db(scope)
      .transaction()
      .execute(async (tx) => {
        await tx
          .insertInto('responses')
          .values({
            id: stored.id,
            team_id: scope.teamId,
            key_id: stored.keyId,
            created_at: Date.now(),
            model: stored.model,
            previous_response_id: stored.previousResponseId,
            response: JSON.stringify(stored.response),
          })
          .execute();
        // Chunked: PostgreSQL takes at most 65,535 parameters per statement.
        for (let i = 0; i < rows.length; i += 500)
          await tx
            .insertInto('response_items')
            .values(rows.slice(i, i + 500))
            .execute();
      });
  }

  async #settled(): Promise<void> {
    if (this.#pending.size > 0) await Promise.all(this.#pending.values());
  }

  #db(scope: ResponseScope) {
    return this.#databaseFor(scope.region).db;
  }

  async get(scope: ResponseScope, id: string): Promise<Record<string, unknown> | undefined> {
    await this.#settled();
    const row = await this.#db(scope)
      .selectFrom('responses')
      .select('response')
      .where('id', '=', id)
      .where(sameTeam(scope, 'team_id'))
      .executeTakeFirst();
    return row ? (JSON.parse(row.response) as Record<string, unknown>) : undefined;
  }

  async delete(scope: ResponseScope, id: string): Promise<boolean> {
    await this.#settled();
    return this.#db(scope)
      .transaction()
      .execute(async (tx) => {
        const result = await tx
          .deleteFrom('responses')
          .where('id', '=', id)
          .where(sameTeam(scope, 'team_id'))
          .executeTakeFirst();
        if (Number(result.numDeletedRows) === 0) return false;
        await tx.deleteFrom('response_items').where('response_id', '=', id).execute();
        return true;
      });
  }

  /** A page of a response's input items (after the item `after`, when given). */
  async inputItems(
    scope: ResponseScope,
    id: string,
    page: { after?: string; limit: number; order: 'asc' | 'desc' },
  ): Promise<ItemPage | undefined> {
    if (!(await this.get(scope, id))) return undefined;
    const rows = await this.#db(scope)
      .selectFrom('response_items')
      .select(['item', 'item_id'])
      .where('response_id', '=', id)
      .where('kind', '=', 'input')
      .orderBy('position', page.order)
      .execute();
    let start = 0;
    if (page.after !== undefined) start = rows.findIndex((r) => r.item_id === page.after) + 1;
    const slice = rows.slice(start, start + page.limit);
    return {
      items: slice.map((r) => JSON.parse(r.item) as Record<string, unknown>),
      hasMore: start + page.limit < rows.length,
    };
  }

  /**
   * The whole conversation up to and including response `id`: every input and output item of it
   * and of the responses before it, oldest first. undefined when `id` is not this team's.
   */
  async conversation(scope: ResponseScope, id: string): Promise<Array<Record<string, unknown>> | undefined> {
    await this.#settled();
    const chain: string[] = [];
    let next: string | null = id;
    while (next !== null && chain.length < maxChain && !chain.includes(next)) {
      const row = await this.#db(scope)
        .selectFrom('responses')
        .select('previous_response_id')
        .where('id', '=', next)
        .where(sameTeam(scope, 'team_id'))
        .executeTakeFirst();
      // The named response must exist; an older link deleted since only shortens the history.
      if (!row) {
        if (chain.length === 0) return undefined;
        break;
      }
      chain.push(next);
      next = row.previous_response_id;
    }
    const items: Array<Record<string, unknown>> = [];
    for (const responseId of chain.reverse()) {
      const rows = await this.#db(scope)
        .selectFrom('response_items')
        .select('item')
        .where('response_id', '=', responseId)
        .orderBy('position', 'asc')
        .execute();
      for (const row of rows) items.push(JSON.parse(row.item) as Record<string, unknown>);
    }
    return items;
  }

  /** The latest stored item with this id, among this team's responses. */
  async item(scope: ResponseScope, itemId: string): Promise<Record<string, unknown> | undefined> {
    await this.#settled();
    const row = await this.#db(scope)
      .selectFrom('response_items')
      .innerJoin('responses', 'responses.id', 'response_items.response_id')
      .select('response_items.item')
      .where('response_items.item_id', '=', itemId)
      .where(sameTeam(scope, 'response_items.team_id'))
      .orderBy('responses.created_at', 'desc')
      .executeTakeFirst();
    return row ? (JSON.parse(row.item) as Record<string, unknown>) : undefined;
  }
}

/**
 * Deletes stored responses created before `before` (of the teams listed, or of all others), in
 * chunks so that a large backlog never holds a long lock; returns how many.
 */
export async function deleteResponsesBefore(
  database: Database,
  before: number,
  teams: string[],
  match: 'in' | 'not in',
): Promise<number> {
  let total = 0;
  for (;;) {
    let chosen = database.db
      .selectFrom('responses')
      .select('id')
      .where('created_at', '<', before)
      .limit(1_000);
    if (match === 'in') chosen = chosen.where('team_id', 'in', teams);
    else if (teams.length > 0)
      chosen = chosen.where((eb) => eb.or([eb('team_id', 'is', null), eb('team_id', 'not in', teams)]));
    const ids = (await chosen.execute()).map((r) => r.id);
    if (ids.length === 0) return total;
    await database.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('response_items').where('response_id', 'in', ids).execute();
      await tx.deleteFrom('responses').where('id', 'in', ids).execute();
    });
    total += ids.length;
    if (ids.length < 1_000) return total;
  }
}
