// Invalid guardrail configurations are refused by `gatehouse config check`, each problem with its path.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { runGatehouse } from '../helpers/cli.ts';

const base = {
  providers: { mock: { type: 'mock' } },
  models: { chat: { targets: [{ provider: 'mock', model: 'm' }] } },
};

const cases: Array<{ name: string; config: Record<string, unknown>; problem: RegExp }> = [
  {
    name: 'a model names an unknown guardrail',
    config: { models: { chat: { targets: [{ provider: 'mock', model: 'm' }], guardrails: ['no-pi'] } } },
    problem: /models\.chat\.guardrails\[0\]: unknown guardrail "no-pi"/,
  },
  {
    name: 'default_guardrails names an unknown guardrail',
    config: { guardrails: { 'no-pii': { type: 'pii' } }, default_guardrails: ['no-pii', 'nope'] },
    problem: /default_guardrails\[1\]: unknown guardrail "nope"/,
  },
  {
    name: 'an unknown type',
    config: { guardrails: { g: { type: 'toxicity' } } },
    problem: /guardrails\.g\.type: /,
  },
  {
    name: 'an unknown action',
    config: { guardrails: { g: { type: 'pii', action: 'delete' } } },
    problem: /guardrails\.g\.action: /,
  },
  {
    name: 'an unknown phase',
    config: { guardrails: { g: { type: 'pii', on: ['inputs'] } } },
    problem: /guardrails\.g\.on\[0\]: /,
  },
  {
    name: 'an unknown PII entity',
    config: { guardrails: { g: { type: 'pii', entities: ['email', 'dna'] } } },
    problem: /guardrails\.g\.entities: unknown pii entity: dna/,
  },
  {
    name: 'a regex that does not compile',
    config: { guardrails: { g: { type: 'regex', patterns: [{ name: 'x', pattern: '([a-z' }] } } },
    problem: /guardrails\.g\.patterns\[0\]\.pattern: not a valid regular expression/,
  },
  {
    name: 'an empty deny list',
    config: { guardrails: { g: { type: 'deny_list', words: [] } } },
    problem: /guardrails\.g\.words: /,
  },
  {
    name: 'a threshold above 1',
    config: { guardrails: { g: { type: 'prompt_injection', threshold: 3 } } },
    problem: /guardrails\.g\.threshold: /,
  },
  {
    name: 'an external check that would redact',
    config: { guardrails: { g: { type: 'external', url: 'http://127.0.0.1:9/m', action: 'redact' } } },
    problem: /guardrails\.g\.action: an external guardrail cannot redact/,
  },
  {
    name: 'a moderation adapter without a url',
    config: { guardrails: { g: { type: 'external', adapter: 'openai_moderation' } } },
    problem: /guardrails\.g\.url: the openai_moderation adapter needs/,
  },
  {
    name: 'an llm_judge asking an unknown model',
    config: { guardrails: { g: { type: 'external', adapter: 'llm_judge', model: 'llama-guard' } } },
    problem: /guardrails\.g\.model: unknown model "llama-guard"/,
  },
  {
    name: 'an on_error that is neither allow nor block',
    config: { guardrails: { g: { type: 'external', url: 'http://127.0.0.1:9/m', on_error: 'retry' } } },
    problem: /guardrails\.g\.on_error: /,
  },
  {
    name: 'a timeout of zero',
    config: { guardrails: { g: { type: 'external', url: 'http://127.0.0.1:9/m', timeout_ms: 0 } } },
    problem: /guardrails\.g\.timeout_ms: /,
  },
  {
    name: 'a mode that is neither enforce nor shadow',
    config: { guardrails: { g: { type: 'secrets', mode: 'dry-run' } } },
    problem: /guardrails\.g\.mode: /,
  },
];

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-guardrail-config-'));

for (const { name, config, problem } of cases) {
  test(`config check refuses ${name}, with the path`, () => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, stringify({ ...base, ...config }));
    const check = runGatehouse(['config', 'check', file]);
    assert.equal(check.code, 1, check.stdout + check.stderr);
    assert.match(check.stderr, problem);
  });
}

test('a valid guardrail configuration passes config check', () => {
  const file = join(dir, 'valid.yaml');
  writeFileSync(
    file,
    stringify({
      ...base,
      models: { chat: { targets: [{ provider: 'mock', model: 'm' }], guardrails: ['no-secrets'] } },
      default_guardrails: ['no-pii'],
      guardrails: {
        'no-pii': { type: 'pii', action: 'redact' },
        'no-secrets': { type: 'secrets' },
        words: { type: 'deny_list', words: ['project x'], action: 'warn' },
        judge: { type: 'external', adapter: 'llm_judge', model: 'chat', on_error: 'block' },
        shape: { type: 'json_schema', schema: { type: 'object' }, on: ['output'] },
      },
    }),
  );
  const check = runGatehouse(['config', 'check', file]);
  assert.equal(check.code, 0, check.stderr);
});
