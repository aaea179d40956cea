import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from './index.ts';

const base = {
  providers: { mock: { type: 'mock' } },
  models: {
    bot: { targets: [{ provider: 'mock', model: 'mock-fast' }], evaluators: ['json', 'nope'] },
  },
};

function problems(raw: unknown): string[] {
  try {
    parseConfig(raw, 'test', {});
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

test('bad evaluators are refused with the path of each problem', () => {
  const found = problems({
    ...base,
    evaluators: {
      json: { type: 'json_valid', sample_rate: 0.5 },
      judge: { type: 'llm_judge', model: 'ghost', rubric: 'Polite' },
      schema: { type: 'json_schema', schema: { type: 'no-such-type' } },
      short: { type: 'length', min_chars: 10, max_chars: 5 },
    },
  });
  const text = found.join('\n');
  assert.match(text, /models\.bot\.evaluators\[1\]: unknown evaluator "nope"/);
  assert.match(text, /evaluators\.judge\.model: unknown model "ghost"/);
  assert.match(text, /evaluators\.schema\.schema: not a JSON Schema/);
  assert.match(text, /evaluators\.short\.min_chars: greater than max_chars/);
  assert.doesNotMatch(text, /evaluators\.json/);
});

test('the schema refuses what it can see: rates past 1, bad patterns, unknown types', () => {
  const found = problems({
    ...base,
    models: { bot: { targets: [{ provider: 'mock', model: 'mock-fast' }] } },
    evaluators: {
      rate: { type: 'json_valid', sample_rate: 1.5 },
      pattern: { type: 'regex', pattern: '(' },
      kind: { type: 'vibes' },
    },
  }).join('\n');
  assert.match(found, /evaluators\.rate\.sample_rate/);
  assert.match(found, /evaluators\.pattern\.pattern/);
  assert.match(found, /evaluators\.kind/);
});

test('a configuration without evaluators gets the quality defaults', () => {
  const config = parseConfig({ providers: base.providers }, 'test', {});
  assert.deepEqual(config.evaluators, {});
  assert.equal(config.quality.judge_team, 'system-quality');
  assert.equal(config.quality.concurrency, 4);
});
