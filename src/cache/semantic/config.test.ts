// cache.semantic in the configuration: builtin or a configured model, and bad values named by path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '../../config/load.ts';

const problemsOf = (semantic: Record<string, unknown>) => {
  try {
    parseConfig(
      {
        providers: { mock: { type: 'mock' } },
        models: { embed: { targets: [{ provider: 'mock', model: 'mock-embed' }] } },
        cache: { semantic },
      },
      'test',
      {},
    );
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

test('the embedding model is builtin or a configured model', () => {
  assert.deepEqual(problemsOf({ embedding_model: 'builtin' }), []);
  assert.deepEqual(problemsOf({ embedding_model: 'embed', threshold: 0.85, calibration_rate: 0.05 }), []);
  assert.deepEqual(problemsOf({ embedding_model: 'embedder' }), [
    'cache.semantic.embedding_model: unknown model "embedder" (declare it under models, or use builtin)',
  ]);
});

test('threshold and calibration_rate out of range are named by path', () => {
  assert.match(
    problemsOf({ embedding_model: 'builtin', threshold: 1.5 })[0]!,
    /^cache\.semantic\.threshold: /,
  );
  assert.match(problemsOf({ embedding_model: 'builtin', threshold: 0 })[0]!, /^cache\.semantic\.threshold: /);
  assert.match(
    problemsOf({ embedding_model: 'builtin', calibration_rate: 2 })[0]!,
    /^cache\.semantic\.calibration_rate: /,
  );
  assert.match(problemsOf({ threshold: 0.9 })[0]!, /^cache\.semantic\.embedding_model: /);
});
