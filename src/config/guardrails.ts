// The `guardrails:` section of gatehouse.yaml: content checks keyed by name, attached to models,
// teams, users and keys by that name, and org-wide through `default_guardrails`. docs/guardrails.md.
import { z } from 'zod';
import {
  type Detector,
  denyListDetector,
  injectionDetector,
  piiDetector,
  regexDetector,
  secretsDetector,
} from '../core/detect/index.ts';
import { configName, httpUrl } from '../providers/config.ts';

export const guardrailPhases = ['input', 'output', 'tool_args', 'tool_results'] as const;

const common = {
  action: z
    .enum(['block', 'redact', 'warn'])
    .default('block')
    .describe(
      'block: refuse (input) or withhold (output); redact: replace matches with [TYPE]; warn: record only.',
    ),
  on: z
    .array(z.enum(guardrailPhases))
    .min(1)
    .default(['input', 'output'])
    .describe(
      'Where it checks. input covers the request (tool results included), output the answer (tool-call arguments included); tool_args / tool_results narrow it to tool content.',
    ),
  mode: z
    .enum(['enforce', 'shadow'])
    .default('enforce')
    .describe('shadow: verdicts are recorded, nothing is blocked or changed.'),
  description: z.string().optional(),
};

const entities = z
  .array(z.string().min(1))
  .min(1)
  .optional()
  .describe('Entity types to look for (docs/guardrails-detectors.md); all when unset.');

const external = z.strictObject({
  ...common,
  type: z.literal('external'),
  adapter: z
    .enum(['openai_moderation', 'llm_judge'])
    .default('openai_moderation')
    .describe(
      'openai_moderation: POST {input} to url, OpenAI moderation answer shape; llm_judge: ask a configured model.',
    ),
  url: httpUrl
    .optional()
    .describe('openai_moderation: the endpoint, e.g. https://api.openai.com/v1/moderations.'),
  api_key: z.string().optional().describe('openai_moderation: sent as a bearer token (use ${ENV}).'),
  model: z
    .string()
    .min(1)
    .optional()
    .describe('llm_judge: the configured model to ask; openai_moderation: sent as model.'),
  prompt: z
    .string()
    .min(1)
    .optional()
    .describe('llm_judge: the question, with {text} where the checked text goes.'),
  flag_pattern: z
    .string()
    .min(1)
    .default('^\\s*unsafe')
    .describe("llm_judge: a regex (case-insensitive) that, matching the judge's answer, flags the text."),
  timeout_ms: z.number().int().min(1).max(60_000).default(2_000),
  on_error: z
    .enum(['allow', 'block'])
    .default('allow')
    .describe('When the check fails or times out: allow (verdict "error", call proceeds) or block.'),
});

export const guardrailSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...common, type: z.literal('pii'), entities }),
  z.strictObject({ ...common, type: z.literal('secrets'), entities }),
  z.strictObject({
    ...common,
    type: z.literal('prompt_injection'),
    threshold: z.number().gt(0).max(1).optional().describe('Score from which a text counts as an injection.'),
  }),
  z.strictObject({ ...common, type: z.literal('deny_list'), words: z.array(z.string().min(1)).min(1) }),
  z.strictObject({
    ...common,
    type: z.literal('regex'),
    patterns: z
      .array(z.strictObject({ name: configName, pattern: z.string().min(1), flags: z.string().optional() }))
      .min(1),
  }),
  z.strictObject({
    ...common,
    type: z.literal('json_schema'),
    schema: z
      .record(z.string(), z.unknown())
      .optional()
      .describe(
        "The answer's JSON Schema; unset: the caller's response_format json_schema, when it asked for one.",
      ),
  }),
  external,
]);

export const guardrailsSchema = z
  .record(configName, guardrailSchema)
  .default({})
  .describe('Content checks by name; attach them to models, teams, users and keys, or org-wide.');

export const guardrailNames = z
  .array(configName)
  .max(100)
  .describe('Names of guardrails under `guardrails:`.');

export type GuardrailConfig = z.output<typeof guardrailSchema>;
export type GuardrailType = GuardrailConfig['type'];

interface Referencing {
  guardrails: Record<string, GuardrailConfig>;
  default_guardrails: readonly string[];
  models: Record<string, { guardrails?: readonly string[] | undefined }>;
}

/**
 * What the schema cannot see: names that refer to no guardrail, actions a type cannot take, options
 * an adapter needs, patterns that do not compile. Each problem starts with its path.
 */
export function guardrailProblems(config: Referencing): string[] {
  const problems: string[] = [];
  const known = (names: readonly string[], path: string) =>
    names.forEach((name, i) => {
      if (!(name in config.guardrails))
        problems.push(`${path}[${i}]: unknown guardrail "${name}" (declare it under guardrails)`);
    });
  known(config.default_guardrails, 'default_guardrails');
  for (const [model, entry] of Object.entries(config.models))
    if (entry.guardrails) known(entry.guardrails, `models.${model}.guardrails`);
  for (const [name, g] of Object.entries(config.guardrails)) {
    const path = `guardrails.${name}`;
    if (g.action === 'redact' && (g.type === 'json_schema' || g.type === 'external'))
      problems.push(
        `${path}.action: ${g.type === 'external' ? 'an' : 'a'} ${g.type} guardrail cannot redact (it finds no spans); use block or warn`,
      );
    if (g.type === 'external' && g.adapter === 'openai_moderation' && !g.url)
      problems.push(`${path}.url: the openai_moderation adapter needs the moderation endpoint's url`);
    if (g.type === 'external' && g.adapter === 'llm_judge') {
      if (!g.model) problems.push(`${path}.model: the llm_judge adapter needs the model to ask`);
      else if (!(g.model in config.models) && !g.model.includes('/'))
        problems.push(
          `${path}.model: unknown model "${g.model}" (declare it under models, or name provider/model)`,
        );
      try {
        new RegExp(g.flag_pattern, 'i');
      } catch (err) {
        problems.push(`${path}.flag_pattern: not a valid regular expression: ${(err as Error).message}`);
      }
    }
    if (g.type === 'json_schema' && g.schema)
      try {
        z.fromJSONSchema(g.schema as Parameters<typeof z.fromJSONSchema>[0]);
      } catch (err) {
        problems.push(`${path}.schema: not a JSON Schema this gateway can check: ${(err as Error).message}`);
      }
    if (g.type === 'regex')
      g.patterns.forEach((p, i) => {
        try {
          new RegExp(p.pattern, p.flags);
        } catch (err) {
          problems.push(
            `${path}.patterns[${i}].pattern: not a valid regular expression: ${(err as Error).message}`,
          );
        }
      });
    if (problems.some((p) => p.startsWith(`${path}.`))) continue;
    try {
      detectorFor(g);
    } catch (err) {
      const field = g.type === 'pii' || g.type === 'secrets' ? '.entities' : '';
      problems.push(`${path}${field}: ${(err as Error).message}`);
    }
  }
  return problems;
}

/**
 * The offline detector of a guardrail that finds spans (pii, secrets, prompt_injection, deny_list,
 * regex); undefined for json_schema and external, which judge a whole text. Built once at start
 * and at `config check`, so that a bad option fails there, with its path.
 */
export function detectorFor(g: GuardrailConfig): Detector | undefined {
  switch (g.type) {
    case 'pii':
      return piiDetector(g.entities ? { entities: [...g.entities] } : {});
    case 'secrets':
      return secretsDetector(g.entities ? { entities: [...g.entities] } : {});
    case 'prompt_injection':
      return injectionDetector(g.threshold === undefined ? {} : { threshold: g.threshold });
    case 'deny_list':
      return denyListDetector({ words: [...g.words] });
    case 'regex':
      return regexDetector({
        patterns: g.patterns.map((p) => ({
          name: p.name,
          pattern: p.pattern,
          ...(p.flags ? { flags: p.flags } : {}),
        })),
      });
    default:
      return undefined;
  }
}
