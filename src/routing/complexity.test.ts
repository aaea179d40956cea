// The complexity score: each feature moves it, and on the labelled prompts of the benchmark it
// separates simple from complex at the documented threshold (docs/routing.md quotes the figures).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { complexityFeatures, complexityScore, complexThreshold } from './complexity.ts';

test('short questions score low; code, mathematics, multi-step asks and tools score high', () => {
  assert.ok(complexityScore('What is the capital of France?') < 0.2);
  assert.ok(complexityScore('Thanks!') === 0);
  assert.equal(complexityFeatures('Fix this:\n```js\nlet a = 1\n```').code, 1);
  assert.ok(complexityFeatures('Prove that the integral of x^2 converges').math > 0.5);
  assert.ok(
    complexityFeatures('1. Read the file\n2. Parse it\n3. Write a report, then email it').steps > 0.5,
  );
  assert.ok(complexityScore('Hello', true) > complexityScore('Hello', false));
  assert.ok(
    complexityScore(
      'Design a sharded cache, analyze the trade-offs, then implement it in Rust with tests.',
    ) >= complexThreshold,
  );
});

test('a huge prompt is scored on its first 20 000 characters, quickly', () => {
  const text = 'word '.repeat(400_000);
  const started = performance.now();
  const score = complexityScore(text);
  assert.ok(score >= 0 && score <= 1);
  assert.ok(performance.now() - started < 1_000, 'did not scan two megabytes with every pattern');
});

test('on the labelled benchmark set, at least 90 % of prompts are on the right side of the threshold', () => {
  const rows = readFileSync(new URL('../../bench/routing/complexity.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { label: string; prompt: string; tools: boolean });
  assert.ok(rows.length >= 200);
  const right = rows.filter(
    (r) => complexityScore(r.prompt, r.tools) >= complexThreshold === (r.label === 'complex'),
  );
  assert.ok(right.length / rows.length >= 0.9, `${right.length} of ${rows.length}`);
});
