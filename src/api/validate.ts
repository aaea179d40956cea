// Request validation shared by the surfaces: a zod schema checks the body, and the first problem
// becomes a 400 naming the field in the caller's terms (`messages[2].content`).
import { z } from 'zod';
import { GatehouseError } from '../core/errors/index.ts';
import { tagLimits } from '../core/ir/index.ts';

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

/**
 * The largest token count a request may name. Above every model's output window (the largest are
 * about 128K today), and small enough that the worst-case cost in micro-dollars stays an exact
 * integer for the budget counters even at $600 per million tokens.
 */
export const maxTokenCount = 10_000_000;

/** A token count: a whole number from `min` to maxTokenCount, refused as 400 naming the field otherwise. */
export function tokenCount(min = 1) {
  const expected = `expected a whole number from ${min} to ${maxTokenCount}`;
  return z.number(expected).int(expected).min(min, expected).max(maxTokenCount, expected);
}

export const tagsExpected =
  `at most ${tagLimits.pairs} pairs, keys of at most ${tagLimits.keyChars} characters and values of at ` +
  `most ${tagLimits.valueChars} (the limits of the x-gatehouse-tags header)`;

/** An object's keys are within the tag limits: at most `pairs` of them, each at most `keyChars` long. */
export function boundedKeys(value: object): boolean {
  const keys = Object.keys(value);
  return keys.length <= tagLimits.pairs && keys.every((key) => key.length <= tagLimits.keyChars);
}

/** Caller metadata stored as tags (OpenAI `metadata`): string pairs, bounded like the header. */
export const tagsRecord = z
  .record(z.string(), z.string(`expected a string; ${tagsExpected}`).max(tagLimits.valueChars, tagsExpected))
  .refine(boundedKeys, tagsExpected);

/** Validates a part of a body already checked loosely; the 400 names the field under `prefix`. */
export function validateAt<S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const inner = fieldPath(issue.path);
  const param = inner === '' ? prefix : inner.startsWith('[') ? `${prefix}${inner}` : `${prefix}.${inner}`;
  throw new GatehouseError('GH_INVALID_REQUEST', `${param}: ${issue.message}`, { param });
}
