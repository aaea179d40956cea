// Invalid routing and experiment configurations, each refused with the path of the bad value (what
// `gatehouse config check` prints), and valid ones accepted with their defaults.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from './load.ts';

const base = {
  providers: { openai: { type: 'openai', api_key: 'k' } },
  models: {
    chat: { targets: [{ provider: 'openai', model: 'gpt-4.1' }] },
    'chat-next': { targets: [{ provider: 'openai', model: 'gpt-4.1-mini' }] },
  },
};

const chatWith = (extra: Record<string, unknown>) => ({
  ...base,
  models: { ...base.models, chat: { ...base.models.chat, ...extra } },
});

const experiment = (extra: Record<string, unknown>) => ({
  ...base,
  experiments: {
    trial: {
      model: 'assistant',
      variants: { control: { model: 'chat', weight: 90 }, candidate: { model: 'chat-next', weight: 10 } },
      ...extra,
    },
  },
});

function problems(raw: unknown): string[] {
  try {
    parseConfig(raw, 'test', {});
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

const cases: Array<[string, unknown, RegExp]> = [
  ['unknown strategy', chatWith({ strategy: 'fastest' }), /^models\.chat\.strategy: .*least_latency/],
  [
    'negative weight',
    chatWith({ targets: [{ provider: 'openai', model: 'm', weight: -1 }] }),
    /^models\.chat\.targets\[0\]\.weight:/,
  ],
  [
    'weight as text',
    chatWith({ targets: [{ provider: 'openai', model: 'm', weight: 'high' }] }),
    /^models\.chat\.targets\[0\]\.weight:/,
  ],
  ['exploration above 1', chatWith({ exploration: 2 }), /^models\.chat\.exploration:/],
  [
    'breaker threshold 0',
    chatWith({ circuit_breaker: { failure_threshold: 0 } }),
    /^models\.chat\.circuit_breaker/,
  ],
  [
    'breaker unknown field',
    chatWith({ circuit_breaker: { threshold: 5 } }),
    /^models\.chat\.circuit_breaker/,
  ],
  [
    'breaker true instead of an object',
    chatWith({ circuit_breaker: true }),
    /^models\.chat\.circuit_breaker/,
  ],
  [
    'rule without targets or model',
    chatWith({ rules: [{ when: { tools: true } }] }),
    /^models\.chat\.rules\[0\]: set either targets or model/,
  ],
  [
    'rule with both',
    chatWith({
      rules: [{ when: { tools: true }, model: 'chat-next', targets: [{ provider: 'openai', model: 'm' }] }],
    }),
    /^models\.chat\.rules\[0\]: set either targets or model/,
  ],
  [
    'rule with an empty when',
    chatWith({ rules: [{ when: {}, model: 'chat-next' }] }),
    /^models\.chat\.rules\[0\]\.when: a condition needs at least one test/,
  ],
  [
    'rule naming an unknown model',
    chatWith({ rules: [{ when: { tools: true }, model: 'nope' }] }),
    /^models\.chat\.rules\[0\]\.model: unknown model "nope"/,
  ],
  [
    'rule target with an unknown provider',
    chatWith({ rules: [{ when: { tools: true }, targets: [{ provider: 'opnai', model: 'm' }] }] }),
    /^models\.chat\.rules\[0\]\.targets\[0\]\.provider: unknown provider "opnai"/,
  ],
  [
    'complexity range upside down',
    chatWith({ rules: [{ when: { complexity: { above: 0.8, below: 0.2 } }, model: 'chat-next' }] }),
    /^models\.chat\.rules\[0\]\.when\.complexity: above must be less than below/,
  ],
  [
    'empty range',
    chatWith({ rules: [{ when: { input_tokens: {} }, model: 'chat-next' }] }),
    /^models\.chat\.rules\[0\]\.when\.input_tokens: set above, below or both/,
  ],
  [
    'unknown condition',
    chatWith({ rules: [{ when: { weather: 'sunny' }, model: 'chat-next' }] }),
    /^models\.chat\.rules\[0\]\.when/,
  ],
  [
    'experiment without variants',
    experiment({ variants: {} }),
    /^experiments\.trial\.variants: needs at least one variant/,
  ],
  [
    'experiment with all weights 0',
    experiment({ variants: { a: { model: 'chat', weight: 0 } } }),
    /^experiments\.trial\.variants: at least one variant needs a weight above 0/,
  ],
  [
    'variant naming an unknown model',
    experiment({ variants: { a: { model: 'chat-nope', weight: 1 } } }),
    /^experiments\.trial\.variants\.a\.model: unknown model "chat-nope"/,
  ],
  [
    'variant that is the experiment itself',
    experiment({ variants: { a: { model: 'chat', weight: 1 }, b: { model: 'assistant', weight: 1 } } }),
    /^experiments\.trial\.variants\.b\.model: unknown model "assistant"/,
  ],
  [
    'bad sticky_by',
    experiment({ sticky_by: 'cookie' }),
    /^experiments\.trial\.sticky_by: .*key, user or header:<name>/,
  ],
  [
    'shadow percent over 100',
    experiment({ shadow: { model: 'chat-next', percent: 150 } }),
    /^experiments\.trial\.shadow\.percent:/,
  ],
  [
    'shadow of an unknown model',
    experiment({ shadow: { model: 'ghost', percent: 5 } }),
    /^experiments\.trial\.shadow\.model: unknown model "ghost"/,
  ],
  [
    'variant without a weight',
    experiment({ variants: { a: { model: 'chat' } } }),
    /^experiments\.trial\.variants\.a\.weight:/,
  ],
  ['sync interval too short', { ...base, routing: { breaker_sync_ms: 1 } }, /^routing\.breaker_sync_ms:/],
];

for (const [name, raw, expected] of cases) {
  test(`config check refuses: ${name}`, () => {
    const found = problems(raw);
    assert.ok(
      found.some((p) => expected.test(p)),
      `expected ${expected} in ${JSON.stringify(found)}`,
    );
  });
}

test('two experiments cannot split the same model name', () => {
  const raw = experiment({});
  (raw.experiments as Record<string, unknown>).again = (raw.experiments as Record<string, unknown>).trial;
  assert.ok(
    problems(raw).some((p) =>
      /^experiments\.again\.model: the experiment "trial" already splits "assistant"/.test(p),
    ),
  );
});

test('a valid routing configuration parses, the breaker on by default with 5/30/30', () => {
  const config = parseConfig(
    {
      ...chatWith({
        strategy: 'least_latency',
        rules: [
          {
            when: { complexity: { below: 0.5 }, header: { 'x-tier': ['free', 'trial'] } },
            model: 'chat-next',
          },
        ],
      }),
      experiments: {
        trial: {
          model: 'assistant',
          sticky_by: 'header:x-session',
          variants: {
            control: { model: 'chat', weight: 90 },
            candidate: { model: 'openai/gpt-5', weight: 10 },
          },
          shadow: { model: 'chat-next', percent: 5 },
        },
      },
    },
    'test',
    {},
  );
  assert.deepEqual(config.models['chat-next']!.circuit_breaker, {
    failure_threshold: 5,
    window_s: 30,
    cooldown_s: 30,
  });
  assert.equal(config.models['chat-next']!.strategy, 'ordered');
  assert.equal(config.models.chat!.strategy, 'least_latency');
  assert.equal(
    parseConfig(chatWith({ circuit_breaker: false }), 'test', {}).models.chat!.circuit_breaker,
    false,
  );
});
