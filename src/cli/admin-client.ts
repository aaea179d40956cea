// The CLI's admin commands talk to a running gateway's admin API, like the web console does.
import { existsSync, readFileSync } from 'node:fs';
import type { Flags, Values } from './command.ts';

export const connectionFlags: Flags = {
  url: {
    type: 'string',
    value: 'URL',
    help: 'the gateway (default: $GATEHOUSE_URL, else http://127.0.0.1:4000)',
  },
  'master-key': {
    type: 'string',
    value: 'KEY',
    help: 'default: $GATEHOUSE_MASTER_KEY, else ./.gatehouse/master.key',
  },
};

/** A refusal from the admin API, or a gateway that cannot be reached: printed as one sentence. */
export class AdminError extends Error {
  readonly status: number | undefined;
  readonly code: string | undefined;
  constructor(message: string, status?: number, code?: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function masterKey(values: Values): string {
  const given = (values['master-key'] as string | undefined) ?? process.env.GATEHOUSE_MASTER_KEY;
  if (given) return given;
  if (existsSync('.gatehouse/master.key')) return readFileSync('.gatehouse/master.key', 'utf8').trim();
  throw new AdminError(
    'no master key: pass --master-key, set GATEHOUSE_MASTER_KEY, or run where ./.gatehouse/master.key is.',
  );
}

/** An error body in any of the shapes a gateway (or a proxy in front of it) may answer with. */
function errorMessage(status: number, text: string): { message: string; code?: string } {
  try {
    const body = JSON.parse(text) as { error?: { message?: string; code?: string; type?: string } | string };
    if (typeof body.error === 'string') return { message: body.error };
    if (body.error?.message) return { message: body.error.message, code: body.error.code ?? body.error.type };
  } catch {
    // not JSON: a proxy's page, say
  }
  const firstLine = text.trim().split('\n')[0]?.slice(0, 200);
  return { message: firstLine || `the gateway answered ${status} with no explanation` };
}

export interface ListPage<T> {
  data: T[];
  next_cursor: string | null;
}

export class AdminClient {
  readonly base: string;
  readonly #key: () => string;

  constructor(values: Values) {
    this.base = (
      (values.url as string | undefined) ??
      process.env.GATEHOUSE_URL ??
      'http://127.0.0.1:4000'
    ).replace(/\/+$/, '');
    this.#key = () => masterKey(values);
  }

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: {
          authorization: `Bearer ${this.#key()}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      if (err instanceof AdminError) throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new AdminError(
        `cannot reach the gateway at ${this.base} (${cause?.code ?? cause?.message ?? (err as Error).message}). ` +
          'Is it running? Pass --url or set GATEHOUSE_URL.',
      );
    }
    const text = await res.text();
    if (!res.ok) {
      const { message, code } = errorMessage(res.status, text);
      const hint =
        res.status === 401 || res.status === 403 ? ' Check --master-key or GATEHOUSE_MASTER_KEY.' : '';
      throw new AdminError(`${message}${hint}`, res.status, code);
    }
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new AdminError(`the gateway answered ${method} ${path} with something that is not JSON.`);
    }
  }

  /** One page, or every page when `all` (following `next_cursor`). */
  async list<T = Record<string, unknown>>(
    path: string,
    query: URLSearchParams,
    all: boolean,
  ): Promise<ListPage<T>> {
    const data: T[] = [];
    for (;;) {
      const qs = query.toString();
      const page = await this.request<Partial<ListPage<T>>>('GET', `${path}${qs ? `?${qs}` : ''}`);
      data.push(...(page.data ?? []));
      const next = page.next_cursor ?? null;
      if (!all || next === null) return { data, next_cursor: next };
      query.set('cursor', next);
    }
  }
}

/** A path segment: ids and names as given, escaped. */
export const segment = (ref: string) => encodeURIComponent(ref);

/** `a,b,c` → ['a','b','c']; undefined stays undefined. */
export function list(value: string | boolean | undefined): string[] | undefined {
  return typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
}

/** `k=v,k2=v2` → { k: 'v', k2: 'v2' }. */
export function pairs(value: string | boolean | undefined): Record<string, string> | undefined {
  if (typeof value !== 'string') return undefined;
  return Object.fromEntries(
    list(value)!.map((pair) => [pair.split('=')[0]!, pair.split('=').slice(1).join('=')]),
  );
}
