// A capability that is not configured adds no stage: the request path costs nothing for it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../config/load.ts';
import type { InternalCalls } from '../pipeline/index.ts';
import { configuredSlots } from './slots.ts';

const deps = { log: () => {}, calls: {} as InternalCalls };
const names = (slots: ReturnType<typeof configuredSlots>) => ({
  guardInput: (slots.guardInput ?? []).map((s) => s.name),
  guardOutput: (slots.guardOutput ?? []).map((s) => s.name),
});

test('no guardrails configured: no guardrail stage in any slot', () => {
  const config = parseConfig({ providers: { mock: { type: 'mock' } } }, 'test', {});
  assert.deepEqual(names(configuredSlots(config, deps)), { guardInput: [], guardOutput: [] });
});

test('guardrails add a stage only to the side they look at', () => {
  const answerOnly = parseConfig(
    { providers: { mock: { type: 'mock' } }, guardrails: { shape: { type: 'json_schema', on: ['output'] } } },
    'test',
    {},
  );
  assert.deepEqual(names(configuredSlots(answerOnly, deps)), {
    guardInput: [],
    guardOutput: ['guardrails-output'],
  });
  const both = parseConfig(
    { providers: { mock: { type: 'mock' } }, guardrails: { pii: { type: 'pii', action: 'redact' } } },
    'test',
    {},
  );
  assert.deepEqual(names(configuredSlots(both, deps)), {
    guardInput: ['guardrails-input'],
    guardOutput: ['guardrails-output'],
  });
});
