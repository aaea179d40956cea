// The router: the fixed path for plain models, experiments and rules for the rest, and routing
// state that survives a configuration rebuilt around the same registry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../config/index.ts';
import type { Provider } from '../providers/types.ts';
import { RequestFacts } from './facts.ts';
import { Router } from './router.ts';
import { RoutingState } from './state.ts';
import { TargetResolver } from './targets.ts';

const providers = { get: () => ({}) as Provider };

const raw = {
  providers: { a: { type: 'mock' }, b: { type: 'mock' } },
  models: {
    plain: {
      targets: [
        { provider: 'a', model: 'm1' },
        { provider: 'b', model: 'm2' },
      ],
    },
    spread: {
      strategy: 'weighted',
      targets: [
        { provider: 'a', model: 'm1' },
        { provider: 'b', model: 'm2' },
      ],
    },
    ruled: {
      targets: [{ provider: 'a', model: 'big' }],
      rules: [
        { when: { header: { 'x-tier': 'free' } }, targets: [{ provider: 'b', model: 'small' }] },
        { when: { tools: true }, model: 'plain' },
      ],
    },
  },
  experiments: {
    trial: {
      model: 'chat',
      variants: { one: { model: 'plain', weight: 1 }, two: { model: 'b/direct', weight: 1 } },
    },
  },
};

const router = (state = new RoutingState()) => {
  const config = parseConfig(raw, 'test', {});
  return new Router(config, new TargetResolver(config, providers, state));
};

const facts = (headers: Record<string, string> = {}, keyId = 'key_1') =>
  new RequestFacts({
    caller: { keyId },
    headers,
    chat: { model: 'x', messages: [], stream: false, includeUsage: false },
  });

test('a plain ordered model answers from the fixed path, the same array every time', () => {
  const r = router();
  const first = r.fixed('plain');
  assert.ok(first);
  assert.equal(r.fixed('plain'), first);
  assert.deepEqual(
    first.map((t) => t.providerName),
    ['a', 'b'],
  );
  assert.equal(r.fixed('spread'), undefined, 'a strategy needs choose');
  assert.equal(r.fixed('ruled'), undefined, 'rules need choose');
  assert.equal(r.fixed('chat'), undefined, 'an experiment needs choose');
  assert.throws(() => r.fixed('nothing'), /does not exist/);
});

test('rules pick the first matching target set; none matching keeps the model own', () => {
  const r = router();
  const note = {};
  assert.equal(r.choose('ruled', facts({ 'x-tier': 'free' }), note).targets[0]!.model, 'small');
  assert.equal(r.choose('ruled', facts(), note).targets[0]!.model, 'big');
  assert.deepEqual(note, {}, 'no experiment noted');
});

test('an experiment notes its name and variant, and routes to the variant, sticky by key', () => {
  const r = router();
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const note: { experiment?: string; variant?: string } = {};
    const choice = r.choose('chat', facts({}, `key_${i}`), note);
    assert.equal(note.experiment, 'trial');
    seen.add(note.variant!);
    assert.equal(choice.model, note.variant === 'one' ? 'plain' : 'b/direct');
    const again: { variant?: string } = {};
    r.choose('chat', facts({}, `key_${i}`), again);
    assert.equal(again.variant, note.variant);
  }
  assert.deepEqual([...seen].sort(), ['one', 'two']);
  assert.ok(r.modelNames().includes('chat'));
});

test('a configuration rebuilt around the same registry keeps breakers, averages and in-flight counts', () => {
  const state = new RoutingState();
  const before = router(state).fixed('plain')!;
  before[0]!.state.breaker.open(performance.now(), 30_000);
  before[1]!.state.observeLatency(250, performance.now());
  before[1]!.state.inFlight = 2;
  const after = router(state).fixed('plain')!;
  assert.notEqual(after, before, 'new target objects');
  assert.equal(after[0]!.state.breaker.phase, 'open');
  assert.equal(after[1]!.state.ewmaMs, 250);
  assert.equal(after[1]!.state.inFlight, 2);
  assert.equal(router().fixed('plain')![0]!.state.breaker.phase, 'closed', 'a fresh registry starts clean');
});
