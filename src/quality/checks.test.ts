import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deterministicCheck, detectLanguage, isRefusal, parseJudgeScore } from './checks.ts';

test('deterministic evaluators score answers from 0 to 1', () => {
  const json = deterministicCheck({ type: 'json_valid', sample_rate: 1 })!;
  assert.equal(json('{"a":1}'), 1);
  assert.equal(json('```json\n{"a":1}\n```'), 1);
  assert.equal(json('not json'), 0);
  const schema = deterministicCheck({
    type: 'json_schema',
    sample_rate: 1,
    schema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
  })!;
  assert.equal(schema('{"n":2}'), 1);
  assert.equal(schema('{"n":"two"}'), 0);
  const length = deterministicCheck({ type: 'length', sample_rate: 1, min_chars: 2, max_chars: 4 })!;
  assert.deepEqual(['a', 'abc', 'abcde'].map(length), [0, 1, 0]);
  const refusal = deterministicCheck({ type: 'refusal', sample_rate: 1 })!;
  assert.equal(refusal("I'm sorry, but I can't help with that."), 0);
  assert.equal(refusal('Open Settings, then choose Reset password.'), 1);
  const english = deterministicCheck({ type: 'language', sample_rate: 1, expected: ['en'] })!;
  assert.equal(english('You can reset the password from the settings page, and it is quick.'), 1);
  assert.equal(english('Vous pouvez changer le mot de passe dans les réglages, et ce est rapide.'), 0);
});

test('languages, refusals and judge scores are read as documented', () => {
  assert.equal(detectLanguage('Der Kunde ist nicht zufrieden und ich weiß das'), 'de');
  assert.equal(detectLanguage('12345'), undefined);
  assert.equal(isRefusal('As an AI language model, I cannot do that.'), true);
  assert.equal(parseJudgeScore('0.8'), 0.8);
  assert.equal(parseJudgeScore('Score: 7'), 0.7);
  assert.equal(parseJudgeScore('85'), 0.85);
  assert.equal(parseJudgeScore('great answer'), undefined);
  assert.equal(parseJudgeScore('-3'), undefined);
});
