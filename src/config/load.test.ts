import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, configWarnings, loadConfig, parseConfig } from './load.ts';

const problemsOf = (raw: unknown, env: Record<string, string> = {}) => {
  try {
    parseConfig(raw, 'test', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

test('the embedded default parses to the mock provider and three models', () => {
  const config = parseConfig({ providers: { mock: { type: 'mock' } } }, 'test', {});
  assert.equal(config.server.port, 4000);
  assert.equal(config.providers.mock?.type, 'mock');
  assert.ok(Object.isFrozen(config.server));
});

test('${ENV} references are expanded, with fallbacks', () => {
  const config = parseConfig(
    {
      providers: {
        openai: { type: 'openai', api_key: '${KEY}', base_url: '${BASE:-https://example.test/v1}' },
      },
    },
    'test',
    { KEY: 'sk-123' },
  );
  const openai = config.providers.openai;
  assert.ok(openai?.type === 'openai');
  assert.equal(openai.api_key, 'sk-123');
  assert.equal(openai.base_url, 'https://example.test/v1');
});

test('every problem is reported with its path', () => {
  const problems = problemsOf({
    providers: { openai: { type: 'openai', api_key: '${MISSING}' } },
  });
  assert.deepEqual(problems, ['providers.openai.api_key: environment variable MISSING is not set']);
  assert.deepEqual(
    problemsOf({
      providers: { openai: { type: 'openai', api_key: 'k' } },
      models: {
        smart: {
          targets: [
            { provider: 'openai', model: 'a' },
            { provider: 'opnai', model: 'b' },
          ],
        },
      },
    }),
    ['models.smart.targets[1].provider: unknown provider "opnai"'],
  );
  const unknownType = problemsOf({ providers: { x: { type: 'opnai' } } });
  assert.equal(unknownType.length, 1);
  assert.match(unknownType[0]!, /^providers\.x\.type: /);
  assert.match(problemsOf({ server: { port: 'eighty' } })[0]!, /^server\.port: /);
  assert.match(problemsOf({ unknown_key: 1 })[0]!, /unknown_key/);
  assert.match(
    problemsOf({ providers: { b: { type: 'bedrock', region: 'us-east-1' } } })[0]!,
    /bedrock needs api_key/,
  );
});

test('server.sqlite_checkpoints defaults to on_commit and takes background; anything else is named', () => {
  const providers = { mock: { type: 'mock' } };
  assert.equal(parseConfig({ providers }, 'test', {}).server.sqlite_checkpoints, 'on_commit');
  const background = parseConfig({ providers, server: { sqlite_checkpoints: 'background' } }, 'test', {});
  assert.equal(background.server.sqlite_checkpoints, 'background');
  const problems = problemsOf({ providers, server: { sqlite_checkpoints: 'never' } });
  assert.ok(
    problems.some((p) => p.includes('sqlite_checkpoints')),
    problems.join('\n'),
  );
});

test('problems read as sentences: what the field must be and what it was, with secrets not echoed', () => {
  assert.deepEqual(problemsOf({ server: { port: 'eighty' } }), [
    'server.port: must be a number; it was the string "eighty".',
  ]);
  assert.deepEqual(problemsOf({ providers: { x: { type: 'openai', api_key: 12345, colour: 1 } } }), [
    'providers.x.api_key: must be a string; it was a number.',
    'providers.x: has an unknown field "colour"; check the spelling, or remove it.',
  ]);
  for (const problem of problemsOf({ models: { m: { targets: [{ provider: 'x' }] } } }))
    assert.doesNotMatch(problem, /Invalid input|received undefined/);
});

test('a YAML syntax error names the line and shows it, without a dangling "at line 3, column 1:"', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-'));
  const file = join(dir, 'broken.yaml');
  writeFileSync(file, 'providers:\n  mock: { type: mock\nmodels: {}\n');
  assert.throws(
    () => loadConfig(file, {}),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems.length, 1);
      assert.match(
        err.problems[0]!,
        /^not valid YAML at line 3, column 1: .+ \(the line reads "models: \{\}"\)\.$/,
      );
      assert.doesNotMatch(err.problems[0]!, /column \d+:$/);
      return true;
    },
  );
});

test('an empty configuration is valid but warned about', () => {
  assert.deepEqual(configWarnings(parseConfig({}, 'empty.yaml', {}), 'empty.yaml'), [
    'empty.yaml configures no providers, so every model request will fail; add one under providers (see gatehouse.example.yaml).',
  ]);
  assert.deepEqual(configWarnings(parseConfig({ providers: { mock: { type: 'mock' } } }, 't', {}), 't'), []);
});
