// The `evaluators:` and `quality:` sections of gatehouse.yaml: online evaluators keyed by name,
// attached to models (`models.<name>.evaluators`) or teams (the evaluator's `teams`), sampled, and
// run after the answer is sent. docs/quality.md.
import { z } from 'zod';

const common = {
  sample_rate: z
    .number()
    .min(0)
    .max(1)
    .default(1)
    .describe('Share of the attached requests this evaluator scores (0..1).'),
  teams: z
    .array(z.string().min(1))
    .optional()
    .describe(
      'Team ids whose requests (to any model) this evaluator scores, besides the models that name it.',
    ),
};

const regexSource = z.string().refine(
  (source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

export const evaluatorSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('json_valid'), ...common }),
  z.strictObject({
    type: z.literal('json_schema'),
    ...common,
    schema: z.record(z.string(), z.unknown()).describe('The JSON Schema the answer must match.'),
  }),
  z.strictObject({
    type: z.literal('regex'),
    ...common,
    pattern: regexSource,
    flags: z
      .string()
      .regex(/^[imsu]*$/)
      .default(''),
  }),
  z.strictObject({
    type: z.literal('length'),
    ...common,
    min_chars: z.number().int().min(0).optional(),
    max_chars: z.number().int().min(1).optional(),
  }),
  z.strictObject({ type: z.literal('refusal'), ...common }),
  z.strictObject({
    type: z.literal('language'),
    ...common,
    expected: z
      .array(z.enum(['en', 'fr', 'de', 'es', 'it', 'pt', 'nl']))
      .min(1)
      .describe('Languages an answer may be in; the score is 1 when the detected one is among them.'),
  }),
  z.strictObject({
    type: z.literal('llm_judge'),
    ...common,
    model: z.string().min(1).describe('A configured model that judges.'),
    rubric: z.string().min(1).describe('What a good answer is; the judge answers a score from 0 to 1.'),
    timeout_ms: z.number().int().min(100).max(120_000).default(15_000),
  }),
]);

export const evaluatorsSchema = z
  .record(z.string().regex(/^[\w.-]{1,64}$/, 'letters, digits, _ . - only'), evaluatorSchema)
  .default({})
  .describe('Online evaluators by name: they score sampled answers after they are sent (docs/quality.md).');

export const qualitySchema = z.strictObject({
  judge_team: z
    .string()
    .min(1)
    .default('system-quality')
    .describe(
      'The team (id or name) judge calls count as: recorded and priced under it, and stopped by its budget (docs/quality.md).',
    ),
  judge_budget_usd: z
    .number()
    .min(0)
    .default(5)
    .describe(
      "USD per UTC day this process's judges may spend, a ceiling beside the judge team's budget; past it, judge evaluations are skipped and counted.",
    ),
  concurrency: z.number().int().min(1).max(64).default(4).describe('Evaluations run at once.'),
  queue: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(1000)
    .describe('Evaluations waiting to run; past it, new ones are dropped and counted.'),
  max_answer_chars: z
    .number()
    .int()
    .min(100)
    .default(20_000)
    .describe('Answer text kept for evaluation (in memory only, for sampled requests).'),
});

export type EvaluatorConfig = z.output<typeof evaluatorSchema>;
export type QualityConfig = z.output<typeof qualitySchema>;

interface Referencing {
  evaluators: Record<string, EvaluatorConfig>;
  models: Record<string, { evaluators?: readonly string[] | undefined }>;
}

/** What the schema cannot see: unknown evaluator names, judges that are not configured models. */
export function evaluatorProblems(config: Referencing): string[] {
  const problems: string[] = [];
  for (const [model, entry] of Object.entries(config.models))
    entry.evaluators?.forEach((name, i) => {
      if (!(name in config.evaluators))
        problems.push(
          `models.${model}.evaluators[${i}]: unknown evaluator "${name}" (declare it under evaluators)`,
        );
    });
  for (const [name, e] of Object.entries(config.evaluators)) {
    if (e.type === 'llm_judge' && !(e.model in config.models) && !e.model.includes('/'))
      problems.push(`evaluators.${name}.model: unknown model "${e.model}" (declare it under models)`);
    if (e.type === 'json_schema')
      try {
        z.fromJSONSchema(e.schema as Parameters<typeof z.fromJSONSchema>[0]);
      } catch (err) {
        problems.push(
          `evaluators.${name}.schema: not a JSON Schema this gateway can check: ${(err as Error).message}`,
        );
      }
    if (
      e.type === 'length' &&
      e.min_chars !== undefined &&
      e.max_chars !== undefined &&
      e.min_chars > e.max_chars
    )
      problems.push(`evaluators.${name}.min_chars: greater than max_chars`);
  }
  return problems;
}
