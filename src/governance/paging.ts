// Keyset paging over teams, users and keys in creation order: a page starts after the last row of
// the previous one, so rows created or deleted meanwhile neither repeat nor shift a page.
import { type SelectQueryBuilder, sql } from 'kysely';
import type { Schema } from '../store/schema.ts';

/** The last row a page ended on. */
export interface Position {
  at: number;
  id: string;
}

export interface Page {
  limit: number;
  after?: Position | undefined;
}

/** The condition for rows after a position, in (created_at, id) order. */
export const afterPosition = (p: Position) =>
  sql<boolean>`(created_at > ${p.at} or (created_at = ${p.at} and id > ${p.id}))`;

/**
 * The condition for rows after a position in newest-first order: `column` descending, then id
 * ascending among equal times. Callers add `column <= p.at` beside it, the bound an index serves.
 */
export const afterNewest = (column: string, p: Position) =>
  sql<boolean>`(${sql.ref(column)} < ${p.at} or (${sql.ref(column)} = ${p.at} and id > ${p.id}))`;

/** Cuts the limit+1 rows a query read into the page and the position to continue from. */
export function cutPage<R extends { id: string; created_at: number }>(
  rows: R[],
  limit: number,
): { rows: R[]; next: Position | undefined } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    rows: page,
    next: rows.length > limit && last ? { at: Number(last.created_at), id: last.id } : undefined,
  };
}

/** One page of a query over teams, users or keys: `limit` rows after `after`, in creation order. */
export async function readPage<R extends { id: string; created_at: number }>(
  query: SelectQueryBuilder<Schema, 'teams' | 'users' | 'keys', R>,
  page: Page,
): Promise<{ rows: R[]; next: Position | undefined }> {
  const after = page.after ? query.where(afterPosition(page.after)) : query;
  const rows = await after
    .orderBy(sql`created_at`)
    .orderBy(sql`id`)
    .limit(page.limit + 1)
    .execute();
  return cutPage(rows, page.limit);
}
