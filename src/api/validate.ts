// Request validation shared by the surfaces: a zod schema checks the body, and the first problem
// becomes a 400 naming the field in the caller's terms (`messages[2].content`).
import type { z } from 'zod';
import { GatehouseError } from '../core/errors/index.ts';

export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

export function validateBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const param = fieldPath(issue.path);
  const message = param === '' ? issue.message : `${param}: ${issue.message}`;
  throw new GatehouseError('GH_INVALID_REQUEST', message, param === '' ? {} : { param });
}

/** Validates a part of a body already checked loosely; the 400 names the field under `prefix`. */
export function validateAt<S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const inner = fieldPath(issue.path);
  const param = inner === '' ? prefix : inner.startsWith('[') ? `${prefix}${inner}` : `${prefix}.${inner}`;
  throw new GatehouseError('GH_INVALID_REQUEST', `${param}: ${issue.message}`, { param });
}
