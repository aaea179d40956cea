// Request validation shared by the surfaces, the admin API and the configuration: a zod schema
// checks the input, and each problem becomes a sentence for a person, naming the field in the
// caller's terms (`messages[2].content must be a string or an array; it was a number.`).
import { z } from 'zod';
import { GatehouseError } from '../core/errors/index.ts';
import { tagLimits } from '../core/ir/index.ts';

type Issue = z.core.$ZodIssue;

export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

export function validateBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const param = issueParam(issue);
  throw new GatehouseError(
    'GH_INVALID_REQUEST',
    describeIssue(issue, 'The request body'),
    param === '' ? {} : { param },
  );
}

/** The field an issue is about; for unknown fields, the first of them. */
export function issueParam(issue: Issue): string {
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0)
    return fieldPath([...issue.path, issue.keys[0]!]);
  return fieldPath(issue.path);
}

/**
 * The configuration's problems are a list, each labelled with its path as the design's contract
 * shows (`server.port: must be a number; it was the string "eighty".`).
 */
export function describeIssueLabelled(issue: Issue, whole: string): string {
  const sentence = describeIssue(issue, whole);
  return sentence.startsWith(whole) ? sentence : sentence.replace(/^(\S+) (?=must |has |is )/, '$1: ');
}

/**
 * One sentence: the field, what it must be, and what it was. `whole` names the input itself when
 * the problem is at the top ("The request body", "The configuration"). Messages a schema wrote
 * for people (refinements) are kept as they are.
 */
export function describeIssue(issue: Issue, whole: string, prefix: ReadonlyArray<PropertyKey> = []): string {
  const path = [...prefix, ...issue.path];
  const subject = path.length === 0 ? whole : fieldPath(path);
  // A misplaced credential must not be echoed back into an error or a log.
  const described = secretField.test(String(path.at(-1) ?? '')) ? describedType : describedValue;
  // zod's own messages start like this; any other was written by the schema's author for people.
  // A schema's own "must …" completes the sentence with what the value was.
  if (issue.message.startsWith('must '))
    return `${subject} ${issue.message}; it was ${described(issue.input)}.`;
  if (issue.code !== 'custom' && !/^(Invalid|Too (small|big)|Unrecognized)/.test(issue.message))
    return path.length === 0 ? issue.message : `${subject}: ${issue.message}`;
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'never' || issue.expected === 'undefined')
        return `${subject} is not accepted here; remove it.`;
      return `${subject} must be ${article(typeName(issue.expected))}; it was ${described(issue.input)}.`;
    case 'too_small':
      return `${subject} ${bound(issue.origin, 'least', issue.minimum, issue.inclusive, issue.exact)}; it was ${described(issue.input)}.`;
    case 'too_big':
      return `${subject} ${bound(issue.origin, 'most', issue.maximum, issue.inclusive, issue.exact)}; it was ${described(issue.input)}.`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `${subject} must be ${JSON.stringify(issue.values[0])}; it was ${described(issue.input)}.`
        : `${subject} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}; it was ${described(issue.input)}.`;
    case 'unrecognized_keys': {
      const where = path.length === 0 ? whole.replace(/^The /, 'the ') : fieldPath(path);
      const keys = issue.keys.map((key) => `"${key}"`).join(', ');
      const sentence = `${where} has ${issue.keys.length === 1 ? 'an unknown field' : 'unknown fields'} ${keys}; check the spelling, or remove ${issue.keys.length === 1 ? 'it' : 'them'}.`;
      return path.length === 0 ? sentence.replace(/^./, (c) => c.toUpperCase()) : sentence;
    }
    case 'invalid_format':
      return `${subject} must be ${formatName(issue)}; it was ${described(issue.input)}.`;
    case 'not_multiple_of':
      return `${subject} must be a multiple of ${issue.divisor}; it was ${described(issue.input)}.`;
    case 'invalid_union':
      return unionSentence(issue, subject, whole, prefix);
    case 'invalid_key':
    case 'invalid_element': {
      const inner = issue.issues[0];
      return inner ? describeIssue(inner, whole, path) : `${subject} is not valid.`;
    }
    default:
      // A refinement's own message, written for people.
      return path.length === 0 ? issue.message : `${subject}: ${issue.message}`;
  }
}

function unionSentence(
  issue: Extract<Issue, { code: 'invalid_union' }>,
  subject: string,
  whole: string,
  prefix: ReadonlyArray<PropertyKey>,
): string {
  const path = [...prefix, ...issue.path];
  const described = describedValue;
  if (issue.discriminator !== undefined) {
    const given = (issue.input as Record<string, unknown> | undefined)?.[issue.discriminator];
    // zod points at the discriminator itself, or at the object holding it.
    const field = fieldPath(path.at(-1) === issue.discriminator ? path : [...path, issue.discriminator]);
    const options = (issue as { options?: unknown[] }).options;
    return options && options.length > 0
      ? `${field} must be one of ${options.map((o) => JSON.stringify(o)).join(', ')}; it was ${described(given)}.`
      : `${field} is not one of the accepted values; it was ${described(given)}.`;
  }
  const branches = issue.errors.filter((branch) => branch.length > 0);
  // Every branch wanted another type of value: list the types.
  const types = branches.map((branch) =>
    branch.length === 1 && branch[0]!.code === 'invalid_type' && branch[0]!.path.length === 0
      ? typeName(branch[0]!.expected)
      : undefined,
  );
  if (types.length > 0 && types.every((t) => t !== undefined)) {
    const unique = [...new Set(types)];
    return `${subject} must be ${unique.map(article).join(' or ')}; it was ${described(issue.input)}.`;
  }
  // Otherwise the branch that got furthest (its problem lies deepest) is the one meant.
  const best = branches.map((branch) => branch[0]!).sort((a, b) => b.path.length - a.path.length)[0];
  return best ? describeIssue(best, whole, path) : `${subject} is not valid.`;
}

function bound(
  origin: string,
  side: 'least' | 'most',
  limit: number | bigint,
  inclusive: boolean | undefined,
  exact: boolean | undefined,
): string {
  const n = Number(limit);
  if (origin === 'string') {
    const chars = `${n} character${n === 1 ? '' : 's'}`;
    return exact ? `must be exactly ${chars} long` : `must be at ${side} ${chars} long`;
  }
  if (origin === 'array' || origin === 'set') {
    const items = `${n} item${n === 1 ? '' : 's'}`;
    return exact ? `must have exactly ${items}` : `must have at ${side} ${items}`;
  }
  if (inclusive === false) return `must be ${side === 'least' ? 'greater' : 'less'} than ${n}`;
  return `must be at ${side} ${n}`;
}

function typeName(expected: string): string {
  if (expected === 'int') return 'whole number';
  if (expected === 'record' || expected === 'object') return 'object';
  if (expected === 'nan') return 'number';
  return expected;
}

const article = (noun: string) => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);

function formatName(issue: Extract<Issue, { code: 'invalid_format' }>): string {
  switch (issue.format) {
    case 'regex':
      return `text matching ${issue.pattern}`;
    case 'url':
      return 'a URL';
    case 'datetime':
      return 'an ISO 8601 date-time such as 2026-12-31T00:00:00Z';
    case 'starts_with':
      return `text starting with "${(issue as { prefix?: string }).prefix}"`;
    default:
      return article(issue.format.replace(/_/g, ' '));
  }
}

const secretField = /(^|_)(key|secret|password|token|credentials?)$/i;

function describedType(value: unknown): string {
  if (value === '') return 'an empty string';
  return typeof value === 'string' || typeof value === 'number' ? `a ${typeof value}` : describedValue(value);
}

/** What a value was, in a few words: `missing`, `null`, `the string "abc"`, `an array`. */
export function describedValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  switch (typeof value) {
    case 'string': {
      const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
      return value === '' ? 'an empty string' : `the string ${JSON.stringify(shown)}`;
    }
    case 'number':
      return String(value);
    case 'boolean':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}

/**
 * The largest token count a request may name. Above every model's output window (the largest are
 * about 128K today), and small enough that the worst-case cost in micro-dollars stays an exact
 * integer for the budget counters even at $600 per million tokens.
 */
export const maxTokenCount = 10_000_000;

/** A token count: a whole number from `min` to maxTokenCount, refused as 400 naming the field otherwise. */
export function tokenCount(min = 1) {
  const expected = `must be a whole number from ${min} to ${maxTokenCount.toLocaleString('en-US')}`;
  return z.number().int(expected).min(min, expected).max(maxTokenCount, expected);
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
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const inner = fieldPath(issue.path);
  const param = inner === '' ? prefix : inner.startsWith('[') ? `${prefix}${inner}` : `${prefix}.${inner}`;
  throw new GatehouseError('GH_INVALID_REQUEST', describeIssue(issue, prefix, [prefix]), { param });
}
