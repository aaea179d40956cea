// Calls the admin API of a test gateway with the master key.
import type { Gateway } from '../../src/server/index.ts';
import { testMasterKey } from './gateway.ts';

export interface AdminAnswer {
  status: number;
  body: any;
}

export function adminClient(gateway: () => Gateway) {
  return async (method: string, path: string, body?: unknown): Promise<AdminAnswer> => {
    const res = await fetch(gateway().url + path, {
      method,
      headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
}

/** Every item of a list, read page by page with `limit`, checking the envelope on the way. */
export async function readAllPages(
  admin: ReturnType<typeof adminClient>,
  path: string,
  limit: number,
): Promise<{ items: any[]; pages: number }> {
  const items: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await admin(
      'GET',
      `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    if (page.status !== 200) throw new Error(`${path}: ${page.status} ${JSON.stringify(page.body)}`);
    if (Object.keys(page.body).filter((k) => k === 'data' || k === 'next_cursor').length !== 2)
      throw new Error(`${path}: not a list envelope: ${JSON.stringify(page.body)}`);
    if (page.body.data.length > limit)
      throw new Error(`${path}: ${page.body.data.length} items over limit ${limit}`);
    items.push(...page.body.data);
    cursor = page.body.next_cursor;
    pages++;
    if (pages > 100) throw new Error(`${path}: paging does not end`);
  } while (cursor !== null);
  return { items, pages };
}
