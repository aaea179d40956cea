// Where request events go: the default store, or — for a team pinned to a data-residency region —
// only that region's own store, each with its own queue and spill file. Retention is enforced here
// too: a scheduled deletion per store, by each team's days (or the configured default).
import { join } from 'node:path';
import type { LoggingConfig } from '../config/schema.ts';
import { GatehouseError } from '../core/errors/index.ts';
import { type Database, type OpenOptions, openDatabase } from '../store/index.ts';
import { deleteResponsesBefore } from '../store/responses.ts';
import { databaseSink } from './events.ts';
import { hourlySpend } from './rollups.ts';

const hourMs = 3_600_000;

import { EventRecorder, type EventRow, type LogLine, type RecorderStats } from './recorder.ts';

interface EventStore {
  database: Database;
  recorder: EventRecorder;
  /** The region's own database, closed with the stores; the default one belongs to the gateway. */
  owned: boolean;
}

export interface EventStoresOptions {
  database: Database;
  regions: Record<string, { database_url: string }>;
  /** How region stores are opened (background checkpoints), as the default store was. */
  openOptions?: OpenOptions;
  spillDir: string;
  logging: LoggingConfig;
  log: LogLine;
}

export class EventStores {
  readonly #default: EventStore;
  readonly #regions: Map<string, EventStore>;
  readonly #logging: LoggingConfig;
  readonly #log: LogLine;
  #retentionTimer: NodeJS.Timeout | undefined;
  #firstRetention: NodeJS.Timeout | undefined;

  private constructor(main: EventStore, regions: Map<string, EventStore>, options: EventStoresOptions) {
    this.#default = main;
    this.#regions = regions;
    this.#logging = options.logging;
    this.#log = options.log;
  }

  static async open(options: EventStoresOptions): Promise<EventStores> {
    const store = (database: Database, spillName: string, owned: boolean): EventStore => ({
      database,
      owned,
      recorder: new EventRecorder({
        sink: databaseSink(database),
        spillFile: join(options.spillDir, spillName),
        log: options.log,
      }),
    });
    const regions = new Map<string, EventStore>();
    try {
      for (const [name, region] of Object.entries(options.regions)) {
        regions.set(
          name,
          store(
            await openDatabase(region.database_url, options.openOptions),
            `request-events.${name}.jsonl`,
            true,
          ),
        );
      }
    } catch (err) {
      for (const opened of regions.values()) await opened.database.close();
      throw err;
    }
    const stores = new EventStores(store(options.database, 'request-events.jsonl', false), regions, options);
    for (const s of stores.#all()) await s.recorder.start();
    return stores;
  }

  #all(): EventStore[] {
    return [this.#default, ...this.#regions.values()];
  }

  /** O(1): queues the event for its region's store. */
  record(row: EventRow): void {
    ((row.region !== null && this.#regions.get(row.region)) || this.#default).recorder.record(row);
  }

  /** The database to query for a region's events (the default store when none is named). */
  database(region: string | null): Database {
    if (region === null) return this.#default.database;
    const store = this.#regions.get(region);
    if (!store)
      throw new GatehouseError('GH_INVALID_REQUEST', `region: "${region}" is not a configured region`, {
        param: 'region',
      });
    return store.database;
  }

  /** Writes what every store has queued now (a reader that must see an event just recorded). */
  async flush(): Promise<void> {
    await Promise.all(this.#all().map(({ recorder }) => recorder.flush()));
  }

  stats(): RecorderStats {
    const total: RecorderStats = { queued: 0, spilledBytes: 0, dropped: 0, written: 0 };
    for (const { recorder } of this.#all()) {
      const s = recorder.stats();
      total.queued += s.queued;
      total.spilledBytes += s.spilledBytes;
      total.dropped += s.dropped;
      total.written += s.written;
    }
    return total;
  }

  /**
   * Fleet-wide spend for the spend-anomaly alert, from every store's rollups: `hours - 1` full
   * baseline hours, oldest first, then an estimate of the last 60 minutes (this hour so far plus
   * the unelapsed share of the hour before). Hours before any data exist are left out.
   */
  async spendHistory(hours: number, now = Date.now()): Promise<number[]> {
    const current = Math.floor(now / hourMs);
    const from = current - hours;
    const byHour = new Map<number, number>();
    let firstHour = Number.POSITIVE_INFINITY;
    for (const { database } of this.#all()) {
      const spend = await hourlySpend(database.db, from, current);
      for (const [hour, usd] of spend.byHour) byHour.set(hour, (byHour.get(hour) ?? 0) + usd);
      if (spend.firstHour !== undefined) firstHour = Math.min(firstHour, spend.firstHour);
    }
    const elapsed = (now % hourMs) / hourMs;
    const history: number[] = [];
    for (let hour = from; hour <= current - 2; hour++)
      if (hour >= firstHour) history.push(byHour.get(hour) ?? 0);
    history.push((byHour.get(current) ?? 0) + (byHour.get(current - 1) ?? 0) * (1 - elapsed));
    return history;
  }

  startRetention(): void {
    const every = this.#logging.retention_check_minutes * 60_000;
    const run = () =>
      void this.enforceRetention().catch((err: unknown) =>
        this.#log(`request log retention: ${(err as Error).message}`, 'error'),
      );
    this.#retentionTimer = setInterval(run, every);
    this.#retentionTimer.unref();
    this.#firstRetention = setTimeout(run, 5_000).unref();
  }

  /**
   * Deletes events past their team's retention (or the default) from every store; returns how many.
   * Teams and their settings live in the default store. Rollups hold no personal data and stay.
   */
  async enforceRetention(now = Date.now()): Promise<number> {
    const teams = await this.#default.database.db
      .selectFrom('teams')
      .select(['id', 'retention_days'])
      .where('retention_days', 'is not', null)
      .execute();
    const cutoff = (days: number) => now - days * 86_400_000;
    let deleted = 0;
    for (const { database } of this.#all()) {
      // Stored responses (the Responses surface's conversation state) follow the same retention.
      for (const team of teams) {
        deleted += await deleteOlder(database, cutoff(team.retention_days!), [team.id], 'in');
        deleted += await deleteResponsesBefore(database, cutoff(team.retention_days!), [team.id], 'in');
      }
      const days = this.#logging.retention_days;
      if (days !== undefined) {
        const others = teams.map((t) => t.id);
        deleted += await deleteOlder(database, cutoff(days), others, 'not in');
        deleted += await deleteResponsesBefore(database, cutoff(days), others, 'not in');
      }
    }
    if (deleted > 0) this.#log(`request log retention: deleted ${deleted} events`);
    return deleted;
  }

  async stop(): Promise<void> {
    // Both, or a first run due after a quick stop would query closed databases.
    clearTimeout(this.#firstRetention);
    clearInterval(this.#retentionTimer);
    for (const store of this.#all()) {
      await store.recorder.stop();
      if (store.owned) await store.database.close();
    }
  }
}

/** Deletes in chunks, so a large backlog never holds a long lock on the log. */
async function deleteOlder(database: Database, before: number, teams: string[], match: 'in' | 'not in') {
  let total = 0;
  for (;;) {
    let chosen = database.db
      .selectFrom('request_events')
      .select('id')
      .where('received_at', '<', before)
      .limit(5_000);
    if (match === 'in') chosen = chosen.where('team_id', 'in', teams);
    else if (teams.length > 0)
      chosen = chosen.where((eb) => eb.or([eb('team_id', 'is', null), eb('team_id', 'not in', teams)]));
    const result = await database.db
      .deleteFrom('request_events')
      .where('id', 'in', chosen)
      .executeTakeFirst();
    const count = Number(result.numDeletedRows);
    total += count;
    if (count < 5_000) return total;
  }
}
