import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answersAgree, Calibration, comparable } from './calibration.ts';

const never = async () => {
  throw new Error('short answers are compared as text');
};

test('short answers agree only when their normalised text is equal', async () => {
  assert.equal(comparable('  Positive! '), 'positive');
  assert.equal(await answersAgree('Positive.', 'positive', 0.9, never), true);
  assert.equal(await answersAgree('Positive', 'Negative', 0.9, never), false);
});

test('long answers agree by similarity, and never when their numbers differ', async () => {
  const long = (n: number) =>
    `The usual adult dose is ${n} mg taken once a day with water, and never more than that in a day.`;
  assert.equal(
    await answersAgree(long(10), long(10).replace('usual', 'normal'), 0.9, async () => 0.95),
    true,
  );
  assert.equal(
    await answersAgree(long(10), long(10).replace('usual', 'normal'), 0.9, async () => 0.5),
    false,
  );
  assert.equal(await answersAgree(long(10), long(100), 0.9, async () => 0.99), false);
});

test('reports samples and false hits per model and team', () => {
  const calibration = new Calibration();
  calibration.record('smart', 'a', 0.9, true);
  calibration.record('smart', 'a', 0.8, false);
  calibration.record('smart', 'b', 0.95, true);
  const [a, b] = calibration.rows();
  assert.deepEqual(
    [a?.model, a?.team, a?.samples, a?.falseHits, a?.meanFalseHitSimilarity],
    ['smart', 'a', 2, 1, 0.8],
  );
  assert.ok(Math.abs(a!.meanSimilarity - 0.85) < 1e-9);
  assert.deepEqual([b?.team, b?.samples, b?.falseHits, b?.meanFalseHitSimilarity], ['b', 1, 0, null]);
});
