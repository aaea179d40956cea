// The routing parts of gatehouse.yaml: a model's strategy, circuit breaker and rules, and the
// experiments that split a model name into variants. docs/routing.md explains each with an example.
import { z } from 'zod';

export const strategySchema = z
  .enum(['ordered', 'weighted', 'least_latency', 'least_cost', 'least_busy'])
  .describe(
    'How the first target is chosen (the others follow as fallbacks in their configured order): ordered (as listed), weighted (by target weight), least_latency (EWMA of latency, with exploration), least_cost (estimated cost of the request), least_busy (fewest in flight).',
  );

export const circuitBreakerSchema = z
  .strictObject({
    failure_threshold: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(5)
      .describe('Failures within window_s that open the breaker.'),
    window_s: z.number().min(1).max(3600).default(30).describe('Seconds over which failures are counted.'),
    cooldown_s: z
      .number()
      .min(0.1)
      .max(3600)
      .default(30)
      .describe('Seconds the breaker stays open before one probe request is let through (half-open).'),
  })
  .describe(
    'Per target: skip it at once while it fails (on by default, 5 failures in 30 s, 30 s cooldown); false turns it off.',
  );

/** Lower and upper bounds, either optional; `above: 0.5` means > 0.5, `below: 100` means < 100. */
const range = z
  .strictObject({
    above: z.number().optional(),
    below: z.number().optional(),
  })
  .refine((r) => r.above !== undefined || r.below !== undefined, 'set above, below or both')
  .refine(
    (r) => r.above === undefined || r.below === undefined || r.above < r.below,
    'above must be less than below',
  );

const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const conditionSchema = z
  .strictObject({
    team: oneOrMany.optional().describe('Team id(s).'),
    key: oneOrMany.optional().describe('Key id(s) or name(s).'),
    user: oneOrMany.optional().describe('User id(s).'),
    header: z
      .record(z.string().min(1), oneOrMany)
      .optional()
      .describe('Request header name → value(s); all must match.'),
    metadata: z
      .record(z.string().min(1), oneOrMany)
      .optional()
      .describe('Tag (x-gatehouse-tags or OpenAI metadata) name → value(s); all must match.'),
    input_tokens: range.optional().describe('Estimated input tokens.'),
    complexity: range.optional().describe('Complexity score of the prompt, 0 to 1 (docs/routing.md).'),
    tools: z.boolean().optional().describe('true: the request offers tools; false: it offers none.'),
    images: z.boolean().optional().describe('true: the request holds images; false: it holds none.'),
  })
  .refine((c) => Object.values(c).some((v) => v !== undefined), 'a condition needs at least one test');

export type ConditionConfig = z.output<typeof conditionSchema>;

const weightSchema = z
  .number()
  .min(0)
  .max(1_000_000)
  .describe('Share of traffic for the weighted strategy (default 1).');

export const experimentSchema = z.strictObject({
  model: z.string().min(1).describe('The model name callers use.'),
  sticky_by: z
    .string()
    .regex(/^(key|user|header:[A-Za-z0-9!#$%&'*+.^_`|~-]+)$/, 'key, user or header:<name>')
    .default('key')
    .describe(
      'What keeps a caller on its variant: key, user, or header:<name>. Callers without it are assigned per request.',
    ),
  variants: z
    .record(
      z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits and . _ - only'),
      z.strictObject({
        model: z.string().min(1).describe('A configured model name, or provider/model.'),
        weight: z
          .number()
          .min(0)
          .max(1_000_000)
          .describe('Share of callers (e.g. 90 and 10 for a 10 % canary).'),
      }),
    )
    .refine((v) => Object.keys(v).length > 0, 'needs at least one variant')
    .refine((v) => Object.values(v).some((x) => x.weight > 0), 'at least one variant needs a weight above 0'),
  shadow: z
    .strictObject({
      model: z.string().min(1).describe('A configured model name, or provider/model.'),
      percent: z.number().min(0).max(100).describe('Share of requests mirrored, 0 to 100.'),
    })
    .optional()
    .describe(
      'Mirrors a share of the requests to another model in the background; the caller never waits for it or sees it.',
    ),
});

export type ExperimentConfig = z.output<typeof experimentSchema>;

export { weightSchema };

/** Cross-references the schema cannot see: providers and models named by rules and experiments. */
export function routingProblems(config: {
  providers: Record<string, unknown>;
  models: Record<
    string,
    {
      rules?:
        | Array<{ model?: string | undefined; targets?: Array<{ provider: string }> | undefined }>
        | undefined;
    }
  >;
  experiments: Record<string, ExperimentConfig>;
  routing: { allow_direct: boolean };
}): Array<{ path: Array<string | number>; message: string }> {
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  const known = (model: string) =>
    model in config.models ||
    (config.routing.allow_direct &&
      model.indexOf('/') > 0 &&
      model.slice(0, model.indexOf('/')) in config.providers);
  for (const [name, model] of Object.entries(config.models)) {
    (model.rules ?? []).forEach((rule, i) => {
      if (rule.model !== undefined && !(rule.model in config.models))
        problems.push({
          path: ['models', name, 'rules', i, 'model'],
          message: `unknown model "${rule.model}"`,
        });
      rule.targets?.forEach((target, j) => {
        if (!(target.provider in config.providers))
          problems.push({
            path: ['models', name, 'rules', i, 'targets', j, 'provider'],
            message: `unknown provider "${target.provider}"`,
          });
      });
    });
  }
  const experimentModels = new Map<string, string>();
  for (const [name, experiment] of Object.entries(config.experiments)) {
    const other = experimentModels.get(experiment.model);
    if (other !== undefined)
      problems.push({
        path: ['experiments', name, 'model'],
        message: `the experiment "${other}" already splits "${experiment.model}"`,
      });
    experimentModels.set(experiment.model, name);
    for (const [variant, { model }] of Object.entries(experiment.variants)) {
      if (!known(model))
        problems.push({
          path: ['experiments', name, 'variants', variant, 'model'],
          message: `unknown model "${model}" (a configured model, or provider/model)`,
        });
      else if (model === experiment.model)
        problems.push({
          path: ['experiments', name, 'variants', variant, 'model'],
          message: `a variant cannot be the experiment's own model "${model}"`,
        });
    }
    const shadow = experiment.shadow;
    if (shadow && !known(shadow.model))
      problems.push({
        path: ['experiments', name, 'shadow', 'model'],
        message: `unknown model "${shadow.model}" (a configured model, or provider/model)`,
      });
  }
  return problems;
}
