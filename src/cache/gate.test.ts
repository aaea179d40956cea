// The quality gate's arithmetic: which scores count, their mean against min_score, require_score,
// and what evicts (negative feedback of a counted name, or a mean that falls below min_score).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { qualityGateSchema } from '../config/cache.ts';
import { normalise, QualityGate } from './gate.ts';

const gate = (raw: Record<string, unknown>) => new QualityGate(qualityGateSchema.parse(raw));

test('scores are normalised to 0..1: booleans 0/1, numbers clamped', () => {
  assert.equal(normalise(true), 1);
  assert.equal(normalise(false), 0);
  assert.equal(normalise(0.4), 0.4);
  assert.equal(normalise(-1), 0);
  assert.equal(normalise(5), 1);
});

test('an entry is served while the mean of its counted scores reaches min_score', () => {
  const g = gate({ min_score: 0.7 });
  assert.equal(g.refuses(undefined), undefined, 'unrated entries are served by default');
  assert.equal(g.refuses({ thumbs: 1, judge: 0.5 }), undefined);
  assert.equal(g.refuses({ thumbs: 1, judge: 0.3 }), 'below-min-score');
  const named = gate({ min_score: 0.7, scores: ['judge'] });
  assert.equal(named.refuses({ thumbs: 0, judge: 0.8 }), undefined, 'thumbs does not count');
  assert.equal(named.refuses({ thumbs: 1 }), undefined, 'no counted score: served');
  const strict = gate({ require_score: true, scores: ['judge'] });
  assert.equal(strict.refuses({ thumbs: 1 }), 'unrated');
  assert.equal(strict.refuses({ judge: 0.9 }), undefined);
});

test('negative feedback of a counted name evicts at once; otherwise a low mean does', () => {
  const g = gate({ min_score: 0.5 });
  const thumbsDown = { requestId: 'r', source: 'feedback' as const, name: 'thumbs', value: false };
  assert.equal(g.evicts(thumbsDown, { thumbs: 0, judge: 1 }), true);
  const lenient = gate({ min_score: 0.5, evict_on_negative_feedback: false });
  assert.equal(lenient.evicts(thumbsDown, { thumbs: 0, judge: 1 }), false, 'mean 0.5 holds');
  assert.equal(lenient.evicts(thumbsDown, { thumbs: 0 }), true, 'mean 0 does not');
  const judge = { requestId: 'r', source: 'evaluator' as const, name: 'judge', value: 0 };
  assert.equal(g.evicts(judge, { judge: 0, thumbs: 1 }), false, 'an evaluator 0 is a score, mean 0.5');
  const onlyJudge = gate({ scores: ['judge'] });
  assert.equal(onlyJudge.evicts(thumbsDown, { thumbs: 0 }), false, 'thumbs does not count here');
});
