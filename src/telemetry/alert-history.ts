// The alert history (table alert_events, migration 015): every alert message a gateway sent, kept
// in the store so that GET /admin/alerts/history can list it after the webhook message is gone.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AlertEventsTable, Schema } from '../store/schema.ts';

export type AlertEvent = AlertEventsTable;

/** A position in the history, newest first: the last row of the previous page. */
export interface HistoryPosition {
  at: number;
  id: string;
}

export interface HistoryFilter {
  kind?: string | undefined;
  status?: AlertEvent['status'] | undefined;
  /** Epoch ms, inclusive. */
  since?: number | undefined;
  /** Epoch ms, exclusive. */
  until?: number | undefined;
  after?: HistoryPosition | undefined;
  limit: number;
}

export async function recordAlertEvent(db: Kysely<Schema>, event: Omit<AlertEvent, 'id'>): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('alert_events')
    .values({ id, ...event })
    .execute();
  return id;
}

/** Newest first; `after` continues from a page's last row. */
export async function listAlertEvents(db: Kysely<Schema>, filter: HistoryFilter): Promise<AlertEvent[]> {
  let q = db.selectFrom('alert_events').selectAll();
  if (filter.kind !== undefined) q = q.where('kind', '=', filter.kind);
  if (filter.status !== undefined) q = q.where('status', '=', filter.status);
  if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
  if (filter.until !== undefined) q = q.where('at', '<', filter.until);
  const after = filter.after;
  // A row comparison, which both stores answer from the (at, id) index; the equivalent OR is a scan.
  if (after) q = q.where((eb) => eb(eb.refTuple('at', 'id'), '<', eb.tuple(after.at, after.id)));
  const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.map((r) => ({ ...r, at: Number(r.at) }));
}
