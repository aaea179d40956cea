// The CLI's admin commands talk to a running gateway's admin API, like the web console does.
import { existsSync, readFileSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';

export const adminOptions = {
  url: { type: 'string' },
  'master-key': { type: 'string' },
} satisfies NonNullable<ParseArgsConfig['options']>;

export const adminOptionsHelp = `Connection (for every admin command):
      --url URL          the gateway (default: $GATEHOUSE_URL, else http://127.0.0.1:4000)
      --master-key KEY   default: $GATEHOUSE_MASTER_KEY, else ./.gatehouse/master.key`;

type Values = Record<string, string | boolean | undefined>;

function masterKey(values: Values): string {
  const given = (values['master-key'] as string | undefined) ?? process.env.GATEHOUSE_MASTER_KEY;
  if (given) return given;
  if (existsSync('.gatehouse/master.key')) return readFileSync('.gatehouse/master.key', 'utf8').trim();
  throw new Error(
    'no master key: pass --master-key, set GATEHOUSE_MASTER_KEY, or run where ./.gatehouse/master.key is',
  );
}

/** Calls the admin API; prints the answer as JSON; returns the exit code (0 on 2xx). */
export async function adminCall(
  values: Values,
  method: string,
  path: string,
  body?: unknown,
): Promise<number> {
  return (await adminRequest(values, method, path, body)).code;
}

export async function adminRequest(
  values: Values,
  method: string,
  path: string,
  body?: unknown,
  print = true,
): Promise<{ code: number; body?: unknown }> {
  const base = (
    (values.url as string | undefined) ??
    process.env.GATEHOUSE_URL ??
    'http://127.0.0.1:4000'
  ).replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${masterKey(values)}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    console.error(`gatehouse: cannot reach ${base}: ${(err as Error).message}`);
    return { code: 1 };
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: print as is
  }
  if (!res.ok) {
    const message = (parsed as { error?: { message?: string } })?.error?.message ?? text;
    console.error(`gatehouse: ${res.status}: ${message}`);
    return { code: 1, body: parsed };
  }
  if (print) console.log(typeof parsed === 'string' ? parsed : JSON.stringify(parsed, null, 2));
  return { code: 0, body: parsed };
}

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
