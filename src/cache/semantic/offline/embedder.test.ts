import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinDimensions, embedOffline, similarity } from './embedder.ts';
import { canonicalWords, stem } from './words.ts';

const sim = (a: string, b: string) => similarity(embedOffline(a), embedOffline(b));

test('embeds as unit vectors of fixed length; equal texts equally', () => {
  const v = embedOffline('How do I reset my password?');
  assert.equal(v.length, builtinDimensions);
  assert.ok(Math.abs(similarity(v, v) - 1) < 1e-5);
  assert.deepEqual(embedOffline('How do I reset my password?'), v);
  assert.ok(embedOffline('').every((x) => x === 0));
});

test('case, punctuation, function words and inflection do not move a text', () => {
  assert.ok(sim('How do I reset my password?', 'how can i RESET my password') > 0.99);
  assert.ok(sim('resetting passwords', 'reset password') > 0.9);
});

test('synonyms and contractions read alike', () => {
  assert.deepEqual(canonicalWords("don't turn on"), canonicalWords('do not enable'));
  assert.deepEqual(canonicalWords('purchase a car'), canonicalWords('buy a vehicle'));
  assert.ok(sim('How do I cancel my subscription?', 'How can I cancel my membership?') > 0.95);
});

test('paraphrases score above different questions on the same topic', () => {
  const same = sim('What is the capital of France?', "What's France's capital city?");
  const other = sim('What is the capital of France?', 'What is the capital of Germany?');
  assert.ok(same > 0.85, `paraphrase ${same}`);
  assert.ok(other < 0.7, `different ${other}`);
  assert.ok(sim('How do I cancel my subscription?', 'Explain quantum entanglement') < 0.2);
});

test('the stemmer strips common suffixes and leaves short words and numbers', () => {
  assert.equal(stem('running'), 'run');
  assert.equal(stem('stopping'), 'stop');
  assert.equal(stem('queries'), 'query');
  assert.equal(stem('bus'), 'bus');
  assert.equal(stem('2024'), '2024');
});
