import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PriceBook } from './index.ts';

const book = new PriceBook({ 'llama-3.1-8b-instruct': { input_per_mtok: 0.1, output_per_mtok: 0.2 } });
const million = { inputTokens: 1_000_000, outputTokens: 1_000_000 };

test('known models from the maintained price list have a positive price', () => {
  for (const [type, model] of [
    ['openai', 'gpt-4.1-mini'],
    ['anthropic', 'claude-sonnet-4-5'],
    ['gemini', 'gemini-2.5-flash'],
    ['azure-openai', 'gpt-4.1-mini'],
  ]) {
    const cost = book.cost(type!, model!, { inputTokens: 1000, outputTokens: 100 });
    assert.ok(cost !== null && cost > 0, `${type}/${model}: ${cost}`);
  }
});

test('cached input is priced at its own, lower rate', () => {
  const plain = book.cost('openai', 'gpt-4.1-mini', { inputTokens: 10_000, outputTokens: 0 })!;
  const cached = book.cost('openai', 'gpt-4.1-mini', {
    inputTokens: 10_000,
    outputTokens: 0,
    cacheReadTokens: 8_000,
  })!;
  assert.ok(cached < plain, `${cached} < ${plain}`);
});

test('an unknown model has no price (null, never 0)', () => {
  assert.equal(book.cost('openai-compatible', 'my-private-model', million), null);
  assert.equal(book.worstCase('openai', 'no-such-model', 10, 10), null);
});

test('configured prices cover self-hosted models and win over the list', () => {
  assert.equal(book.cost('openai-compatible', 'llama-3.1-8b-instruct', million), 0.1 + 0.2);
  const cheap = new PriceBook({ 'openai/gpt-4.1-mini': { input_per_mtok: 0, output_per_mtok: 1 } });
  assert.equal(cheap.cost('openai', 'gpt-4.1-mini', million), 1);
});

test('the offline mock models cost $1 / $2 per million tokens', () => {
  assert.equal(book.cost('mock', 'mock-fast', million), 3);
  assert.equal(book.cost('mock', 'other', million), null);
});

test('the worst case covers any use within the limits', () => {
  const worst = book.worstCase('anthropic', 'claude-sonnet-4-5', 500, 1000)!;
  assert.ok(worst >= book.cost('anthropic', 'claude-sonnet-4-5', { inputTokens: 500, outputTokens: 700 })!);
});

test('1-hour cache writes are priced above 5-minute ones', () => {
  const usage = { inputTokens: 2000, outputTokens: 0, cacheWriteTokens: 1000 };
  const fiveMinute = book.cost('anthropic', 'claude-sonnet-4-5', usage)!;
  const oneHour = book.cost('anthropic', 'claude-sonnet-4-5', { ...usage, cacheWrite1hTokens: 1000 })!;
  // claude-sonnet-4-5: input $3, 5-minute writes $3.75, 1-hour writes $6 per million tokens.
  assert.ok(Math.abs(fiveMinute - (1000 * 3 + 1000 * 3.75) / 1e6) < 1e-12);
  assert.ok(Math.abs(oneHour - (1000 * 3 + 1000 * 6) / 1e6) < 1e-12);
});
