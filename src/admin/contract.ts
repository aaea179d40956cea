// The pieces every admin route shares: the list envelope, paging parameters and opaque cursors.
import { z } from 'zod';
import { GatehouseError } from '../core/errors/index.ts';
import { filterId, type Scope } from '../governance/index.ts';
import type { AdminDeps } from './deps.ts';

/** `{ data: [...], next_cursor }`: the one shape of every list. */
export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({
    data: z.array(item),
    next_cursor: z.string().nullable().describe('Pass as ?cursor= for the next page; null on the last'),
  });

export const paging = {
  limit: z.coerce
    .number({ message: 'expected a whole number from 1 to 1000' })
    .int({ message: 'expected a whole number from 1 to 1000' })
    .min(1, { message: 'expected a whole number from 1 to 1000' })
    .max(1000, { message: 'expected a whole number from 1 to 1000' })
    .default(100)
    .describe('Items per page, 1 to 1000 (default 100)'),
  cursor: z.string().optional().describe('The next_cursor of the previous page'),
};

/** A query flag: `true` or `false`. */
export const flag = (description: string) =>
  z
    .enum(['true', 'false'], { message: 'expected true or false' })
    .optional()
    .transform((v) => v === 'true')
    .describe(description);

/** Query parameters as an object: a repeated parameter becomes an array of its values. */
export function paramsObject(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    out[name] = values.length > 1 ? values : values[0]!;
  }
  return out;
}

export const encodeCursor = (position: unknown): string =>
  Buffer.from(JSON.stringify(position)).toString('base64url');

/** The position a cursor this API returned stands for; anything else is a 400 naming `cursor`. */
export function decodeCursor<S extends z.ZodType>(
  cursor: string | undefined,
  schema: S,
): z.output<S> | undefined {
  if (cursor === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new GatehouseError('GH_INVALID_REQUEST', 'cursor: not a cursor this API returned', {
      param: 'cursor',
    });
  return parsed.data;
}

/** A position in creation order (teams, users, keys). */
export const positionCursor = z.object({ at: z.number().int(), id: z.string() });

/** A page of a list read in creation order, as the envelope. */
export const envelope = <T>(page: { data: T[]; next: unknown }) => ({
  data: page.data,
  next_cursor: page.next === undefined ? null : encodeCursor(page.next),
});

/** A list of teams, users or keys read with its paging parameters (the cursor a position). */
export const creationPage = (query: { limit: number; cursor?: string | undefined }) => ({
  limit: query.limit,
  after: decodeCursor(query.cursor, positionCursor),
});

/** The query with its team, key and user references turned into ids. */
export async function withIds<
  Q extends { team?: string | undefined; key?: string | undefined; user?: string | undefined },
>(deps: AdminDeps, query: Q): Promise<Q> {
  const out = { ...query };
  for (const scope of ['team', 'key', 'user'] as const satisfies readonly Scope[]) {
    const ref = query[scope];
    if (ref !== undefined) out[scope] = await filterId(deps.db, scope, ref, scope);
  }
  return out;
}
