// An eval suite (`gatehouse eval run suite.yaml`): what to run (a model, models or an experiment),
// the cases (inline or JSONL files beside the suite) and their assertions. Parsed strictly: a
// malformed suite is refused with the path of what is wrong, before anything is sent.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const assertion = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('equals'), value: z.string() }),
  z.strictObject({ type: z.literal('contains'), value: z.string(), ignore_case: z.boolean().default(false) }),
  z.strictObject({
    type: z.literal('regex'),
    value: z.string().refine(
      (s) => {
        try {
          new RegExp(s);
          return true;
        } catch {
          return false;
        }
      },
      { message: 'not a valid regular expression' },
    ),
    flags: z
      .string()
      .regex(/^[imsu]*$/)
      .default(''),
  }),
  z.strictObject({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) }),
  z.strictObject({
    type: z.literal('llm_judge'),
    model: z.string().min(1),
    rubric: z.string().min(1),
    threshold: z.number().min(0).max(1).default(0.7),
  }),
  z.strictObject({ type: z.literal('cost'), max_usd: z.number().min(0) }),
  z.strictObject({ type: z.literal('latency'), max_ms: z.number().min(0) }),
]);

const message = z.strictObject({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });
const caseSchema = z.strictObject({
  id: z.string().optional(),
  input: z.union([z.string().min(1), z.array(message).min(1)]),
  assert: z.array(assertion).default([]),
});

const suiteSchema = z
  .strictObject({
    name: z.string().optional(),
    model: z.string().min(1).optional(),
    models: z.array(z.string().min(1)).min(1).optional(),
    experiment: z.string().min(1).optional(),
    cases: z.array(z.union([caseSchema, z.strictObject({ file: z.string().min(1) })])).min(1),
    tolerance: z.number().min(0).max(1).default(0),
    concurrency: z.number().int().min(1).max(64).optional(),
    max_tokens: z.number().int().min(1).optional(),
  })
  .refine((s) => [s.model, s.models, s.experiment].filter((x) => x !== undefined).length === 1, {
    message: 'name exactly one of model, models or experiment',
  });

export type Assertion = z.output<typeof assertion>;
export type EvalCase = z.output<typeof caseSchema> & { id: string };
export interface Suite {
  name: string;
  /** What each case is sent to: model names (an experiment is requested by its name). */
  models: string[];
  experiment?: string;
  cases: EvalCase[];
  tolerance: number;
  concurrency?: number;
  maxTokens?: number;
}

export class SuiteError extends Error {}

function problems(error: z.ZodError, where: string): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${where}${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`)
    .join('; ');
}

export function loadSuite(file: string): Suite {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SuiteError(`cannot read the suite ${file}: ${(err as Error).message}`);
  }
  const parsed = suiteSchema.safeParse(raw);
  if (!parsed.success) throw new SuiteError(`${file}: ${problems(parsed.error, '')}`);
  const s = parsed.data;
  const cases: EvalCase[] = [];
  s.cases.forEach((c, i) => {
    if (!('file' in c)) {
      cases.push({ ...c, id: c.id ?? `case-${i + 1}` });
      return;
    }
    const path = resolve(dirname(file), c.file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new SuiteError(`cases.${i}.file: cannot read ${c.file}: ${(err as Error).message}`);
    }
    text.split('\n').forEach((line, n) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new SuiteError(`${c.file} line ${n + 1}: not JSON`);
      }
      const one = caseSchema.safeParse(value);
      if (!one.success) throw new SuiteError(`${c.file} line ${n + 1}: ${problems(one.error, '')}`);
      cases.push({ ...one.data, id: one.data.id ?? `${c.file}:${n + 1}` });
    });
  });
  for (const [i, c] of cases.entries())
    for (const [j, a] of c.assert.entries())
      if (a.type === 'json_schema')
        try {
          z.fromJSONSchema(a.schema as Parameters<typeof z.fromJSONSchema>[0]);
        } catch (err) {
          throw new SuiteError(
            `case ${c.id} assert.${j}.schema: not a JSON Schema: ${(err as Error).message} (${i})`,
          );
        }
  return {
    name: s.name ?? file,
    models: s.models ?? [s.model ?? s.experiment!],
    ...(s.experiment ? { experiment: s.experiment } : {}),
    cases,
    tolerance: s.tolerance,
    ...(s.concurrency ? { concurrency: s.concurrency } : {}),
    ...(s.max_tokens ? { maxTokens: s.max_tokens } : {}),
  };
}
