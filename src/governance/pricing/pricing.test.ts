import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calcPrice } from '@pydantic/genai-prices';
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

test('kept per-token rates price exactly as the list does, for every provider', () => {
  const models: Array<[string, string]> = [
    ['openai', 'gpt-4.1-mini'],
    ['openai', 'gpt-4o'],
    ['openai', 'o3-mini'],
    ['anthropic', 'claude-sonnet-4-5'],
    ['anthropic', 'claude-3-5-haiku-latest'],
    ['gemini', 'gemini-2.5-pro'],
    ['gemini', 'gemini-2.0-flash'],
    ['bedrock', 'anthropic.claude-3-5-sonnet-20240620-v1:0'],
    ['azure-openai', 'gpt-4o-mini'],
    ['openai-compatible', 'llama-3.1-8b-instruct'],
  ];
  const fresh = new PriceBook();
  let priced = 0;
  for (const [provider, model] of models) {
    for (const usage of [
      { inputTokens: 1234, outputTokens: 567 },
      { inputTokens: 90_000, outputTokens: 4000, cacheReadTokens: 60_000, cacheWriteTokens: 10_000 },
      { inputTokens: 5000, outputTokens: 10, cacheWriteTokens: 3000, cacheWrite1hTokens: 1000 },
      { inputTokens: 250_000, outputTokens: 10 }, // above tier thresholds: always the list itself
    ]) {
      const expected =
        calcPrice(
          {
            input_tokens: usage.inputTokens,
            output_tokens: usage.outputTokens,
            cache_read_tokens: usage.cacheReadTokens ?? 0,
            cache_write_tokens: usage.cacheWriteTokens ?? 0,
            cache_write_1h_tokens: usage.cacheWrite1hTokens,
          },
          model,
          provider === 'openai-compatible'
            ? undefined
            : {
                providerId: {
                  openai: 'openai',
                  anthropic: 'anthropic',
                  gemini: 'google',
                  bedrock: 'aws',
                  'azure-openai': 'azure',
                }[provider]!,
              },
        )?.total_price ?? null;
      const actual = fresh.cost(provider, model, usage);
      if (expected === null) assert.equal(actual, null, `${provider}/${model}`);
      else {
        priced++;
        assert.ok(
          Math.abs(actual! - expected) < 1e-12,
          `${provider}/${model} ${JSON.stringify(usage)}: ${actual} vs ${expected}`,
        );
      }
    }
  }
  assert.ok(priced >= 30, `most samples were priced (${priced})`);
});
