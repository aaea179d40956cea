// Loads gatehouse.yaml: YAML → ${ENV} expansion → schema validation → cross-references → frozen.
// Every problem is reported with its path; an invalid file never yields a half-configured gateway.
import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { describeIssueLabelled, fieldPath } from '../api/validate.ts';
import { defaultConfig } from './defaults.ts';
import { guardrailProblems } from './guardrails.ts';
import { configSchema, type GatehouseConfig } from './schema.ts';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: string[];
  constructor(source: string, problems: string[]) {
    super(`${source} is not a valid Gatehouse configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

/** Reads and validates a config file; with no path, the embedded default (mock provider, no keys needed). */
export function loadConfig(path: string | undefined, env: Env = process.env): GatehouseConfig {
  if (path === undefined) return parseConfig(defaultConfig, 'the default configuration', env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [`cannot read the file: ${(err as Error).message}`]);
  }
  return parseConfigText(text, path, env);
}

/** Validates configuration text (YAML, or JSON, which is YAML too) as `config check` does a file. */
export function parseConfigText(text: string, source: string, env: Env = process.env): GatehouseConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100 }) ?? {};
  } catch (err) {
    throw new ConfigError(source, [yamlProblem(err, text)]);
  }
  return parseConfig(raw, source, env);
}

export function parseConfig(raw: unknown, source: string, env: Env = process.env): GatehouseConfig {
  const problems: string[] = [];
  const expanded = expandEnv(raw, [], env, problems);
  if (problems.length > 0) throw new ConfigError(source, problems);
  const result = configSchema.safeParse(expanded, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(
      source,
      result.error.issues.map((issue) => describeIssueLabelled(issue, 'The configuration')),
    );
  }
  const config = result.data;
  for (const [modelName, model] of Object.entries(config.models)) {
    model.targets.forEach((target, i) => {
      if (!(target.provider in config.providers)) {
        problems.push(`models.${modelName}.targets[${i}].provider: unknown provider "${target.provider}"`);
      }
    });
  }
  for (const [providerName, provider] of Object.entries(config.providers)) {
    for (const region of provider.regions ?? []) {
      if (!(region in config.regions))
        problems.push(
          `providers.${providerName}.regions: unknown region "${region}" (declare it under regions)`,
        );
    }
  }
  problems.push(...guardrailProblems(config));
  const embeddingModel = config.cache?.semantic?.embedding_model;
  if (embeddingModel !== undefined && embeddingModel !== 'builtin' && !(embeddingModel in config.models))
    problems.push(
      `cache.semantic.embedding_model: unknown model "${embeddingModel}" (declare it under models, or use builtin)`,
    );
  if (problems.length > 0) throw new ConfigError(source, problems);
  return deepFreeze(config);
}

/** `line 3, column 1: Nested mappings are not allowed in compact mappings (the line reads "a: b: c").` */
function yamlProblem(err: unknown, text: string): string {
  // The parser's first line ends with "at line 3, column 1:", introducing a source excerpt.
  const message = ((err as Error).message.split('\n')[0] ?? '').replace(
    /\s*at line \d+, column \d+:?\s*$/,
    '',
  );
  if (!(err instanceof YAMLParseError) || !err.linePos) return `not valid YAML: ${message}.`;
  const { line, col } = err.linePos[0];
  const source = text.split(/\r?\n/)[line - 1]?.trim() ?? '';
  const reads =
    source === ''
      ? ''
      : ` (the line reads ${JSON.stringify(source.length > 60 ? `${source.slice(0, 60)}…` : source)})`;
  return `not valid YAML at line ${line}, column ${col}: ${message.replace(/\.$/, '')}${reads}.`;
}

const envReference = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces `${NAME}` and `${NAME:-default}` in every string value; a missing variable is a problem. */
function expandEnv(value: unknown, path: Array<string | number>, env: Env, problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(envReference, (_, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      problems.push(`${fieldPath(path)}: environment variable ${name} is not set`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => expandEnv(item, [...path, i], env, problems));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = expandEnv(item, [...path, key], env, problems);
    return out;
  }
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/**
 * What is valid but probably not meant: a file that configures no provider starts a gateway that
 * can answer nothing. A warning at start; an error for `config check --strict`.
 */
export function configWarnings(config: GatehouseConfig, source: string): string[] {
  const warnings: string[] = [];
  if (Object.keys(config.providers).length === 0)
    warnings.push(
      `${source} configures no providers, so every model request will fail; add one under providers (see gatehouse.example.yaml).`,
    );
  else if (Object.keys(config.models).length === 0 && !config.routing.allow_direct)
    warnings.push(
      `${source} configures no models and routing.allow_direct is off, so every model request will fail; add one under models.`,
    );
  return warnings;
}
