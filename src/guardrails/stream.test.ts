// The stream guard holds back only what could still be part of a match, and catches matches split
// across chunks however they are cut.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamChunk } from '../core/ir/index.ts';
import type { RequestRecord } from '../core/records/index.ts';
import { parseConfig } from '../config/load.ts';
import type { InternalCalls } from '../pipeline/index.ts';
import { GuardrailPolicy } from './policy.ts';
import { StreamGuard } from './stream.ts';
import { Verdicts } from './verdicts.ts';

const calls = {} as InternalCalls;

function guardFor(guardrails: Record<string, unknown>) {
  const config = parseConfig(
    { providers: { mock: { type: 'mock' } }, guardrails, default_guardrails: Object.keys(guardrails) },
    'test',
    {},
  );
  const checks = new GuardrailPolicy(config, { calls }).checksFor('m', undefined, 'answer');
  const record = { guardrails: [] } as unknown as RequestRecord;
  return {
    guard: new StreamGuard(checks, new Verdicts(record, performance.now()), { principal: undefined }),
    record,
  };
}

const text = (t: string): StreamChunk => ({ parts: [{ type: 'text', text: t }] });
const finish: StreamChunk = {
  parts: [{ type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } }],
};
const emitted = (chunk: { parts: ReadonlyArray<{ type: string; text?: string }> }) =>
  chunk.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');

test('a card split at every possible point is redacted whole', () => {
  const answer = 'Pay with 4111 1111 1111 1111 today, thanks.';
  for (let cut = 1; cut < answer.length; cut++) {
    const { guard } = guardFor({ cards: { type: 'pii', entities: ['card'], action: 'redact' } });
    const out =
      emitted(guard.step(text(answer.slice(0, cut)))) +
      emitted(guard.step(text(answer.slice(cut)))) +
      emitted(guard.step(finish));
    assert.equal(out, 'Pay with [CARD] today, thanks.', `cut at ${cut}`);
  }
});

test('text that cannot be part of a match goes out at once: only maxMatchLength - 1 is held', () => {
  const { guard } = guardFor({ cards: { type: 'pii', entities: ['card'], action: 'redact' } });
  const prose = 'Nothing sensitive here at all. '.repeat(10); // 310 characters
  const out = emitted(guard.step(text(prose)));
  assert.ok(out.length > 0 && prose.startsWith(out), 'a prefix goes out');
  assert.ok(prose.length - out.length < 64, `held ${prose.length - out.length} characters`);
  assert.equal(out + emitted(guard.step(finish)), prose, 'the rest at the end, unchanged');
});

test('a block throws before the match is released, and is recorded', () => {
  const { guard, record } = guardFor({ cards: { type: 'pii', entities: ['card'], action: 'block' } });
  const first = emitted(guard.step(text('Here: 4111 1111 ')));
  assert.ok(!first.includes('4111'));
  assert.throws(() => {
    guard.step(text('1111 1111 and then a long tail of ordinary text that follows it'));
    guard.step(finish);
  }, /guardrail "cards" blocked the answer/);
  assert.deepEqual(
    record.guardrails!.map((v) => [v.phase, v.action, v.entities]),
    [['output', 'blocked', ['card']]],
  );
});

test('warn and shadow guardrails only watch: the stream is not rewritten', () => {
  const { guard } = guardFor({
    w: { type: 'pii', action: 'warn' },
    s: { type: 'secrets', action: 'block', mode: 'shadow' },
  });
  assert.equal(guard.rewrites, false);
});

test('a secrets guardrail holds back about 1 KB, not the length of a private key, until one begins', () => {
  const { guard } = guardFor({ keys: { type: 'secrets', action: 'redact' } });
  const prose = 'The build passed and the release notes are ready for review. '.repeat(40); // 2.4 KB
  const out = emitted(guard.step(text(prose)));
  assert.ok(prose.length - out.length < 1024, `held ${prose.length - out.length} characters`);
  const pem = `-----BEGIN RSA PRIVATE KEY-----\n${'MIIEpAIBAAKCAQEA1234567890abcdefABCDEF+/'.repeat(3)}\n${'A'.repeat(64)}\n-----END RSA PRIVATE KEY-----`;
  const half = Math.floor(pem.length / 2);
  const rest =
    emitted(guard.step(text(` Key: ${pem.slice(0, half)}`))) +
    emitted(guard.step(text(pem.slice(half)))) +
    emitted(guard.step(text(' done.'))) +
    emitted(guard.step(finish));
  assert.equal(out + rest, `${prose} Key: [SECRET] done.`);
});
