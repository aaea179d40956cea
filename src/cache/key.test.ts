// The exact key: the same request decoded by either surface has the same key; bookkeeping does not
// change it; anything that changes the answer, or the scope, does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeMessagesRequest } from '../api/anthropic/index.ts';
import { decodeChatRequest } from '../api/openai/index.ts';
import type { ChatRequest } from '../core/ir/index.ts';
import type { Target } from '../routing/index.ts';
import { cacheKey, cacheScope } from './key.ts';

const targets = [{ providerName: 'openai', providerType: 'openai', model: 'gpt-4.1-mini' }] as Target[];

const openai = (extra: Record<string, unknown> = {}) =>
  decodeChatRequest({
    model: 'gpt',
    max_tokens: 100,
    temperature: 0.2,
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Name a colour.' },
    ],
    ...extra,
  });

test('the same request through the OpenAI and the Anthropic surface has the same key', () => {
  const anthropic = decodeMessagesRequest({
    temperature: 0.2,
    model: 'gpt',
    system: 'Be brief.',
    max_tokens: 100,
    messages: [{ role: 'user', content: 'Name a colour.' }],
  });
  assert.equal(cacheKey(openai(), targets, 'team:a'), cacheKey(anthropic, targets, 'team:a'));
});

test('user, metadata, streaming and prompt-caching hints do not change the key', () => {
  const plain = cacheKey(openai(), targets, 'team:a');
  assert.equal(cacheKey(openai({ user: 'ada', metadata: { run: '7' } }), targets, 'team:a'), plain);
  assert.equal(
    cacheKey(openai({ stream: true, stream_options: { include_usage: true } }), targets, 'team:a'),
    plain,
  );
  const hinted = structuredClone(openai()) as ChatRequest;
  hinted.system = [{ type: 'text', text: 'Be brief.', cacheControl: { type: 'ephemeral' } }];
  delete hinted.native;
  assert.equal(cacheKey(hinted, targets, 'team:a'), plain);
});

test('the scope, the targets and every answer-changing field change the key', () => {
  const plain = cacheKey(openai(), targets, 'team:a');
  const different = [
    cacheKey(openai(), targets, 'team:b'),
    cacheKey(openai(), [{ ...targets[0]!, model: 'gpt-4.1' }], 'team:a'),
    cacheKey(openai({ temperature: 0.3 }), targets, 'team:a'),
    cacheKey(openai({ max_tokens: 101 }), targets, 'team:a'),
    cacheKey(openai({ seed: 1 }), targets, 'team:a'),
    cacheKey(openai({ stop: ['\n'] }), targets, 'team:a'),
    cacheKey(openai({ response_format: { type: 'json_object' } }), targets, 'team:a'),
    cacheKey(openai({ messages: [{ role: 'user', content: 'Name a colour.' }] }), targets, 'team:a'),
    cacheKey(
      openai({
        tools: [
          { type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } },
        ],
      }),
      targets,
      'team:a',
    ),
  ];
  for (const key of different) assert.notEqual(key, plain);
  assert.equal(new Set(different).size, different.length);
});

test('scopes: team, key, user (a key without a user keeps its own), global, the master key', () => {
  const principal = {
    kind: 'key' as const,
    keyId: 'k1',
    teamId: 't1',
    modelRules: [],
    limits: [],
    budgets: [],
  };
  assert.equal(cacheScope('team', principal), 'team:t1');
  assert.equal(cacheScope('key', principal), 'key:k1');
  assert.equal(cacheScope('user', principal), 'key:k1');
  assert.equal(cacheScope('user', { ...principal, userId: 'u1' }), 'user:u1');
  assert.equal(cacheScope('global', principal), 'global');
  assert.equal(cacheScope('team', { kind: 'master', modelRules: [], limits: [], budgets: [] }), 'master');
});
