import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Principal } from '../governance/index.ts';
import { RunGuard, type RunStateStore } from '../runs/index.ts';
import type { Admitter } from './admit.ts';
import { runStage } from './run.ts';
import type { Answer, Exchange } from './stage.ts';

const answer: Answer = { kind: 'token_count', inputTokens: 1, source: 'estimate' };

/** A store that fails the test if the stage asks it anything. */
const untouchable: RunStateStore = {
  step: () => assert.fail('the run counters were consulted'),
  addCost: () => assert.fail('the run counters were charged'),
  read: () => assert.fail('read'),
  close: async () => {},
};

const bounded: Principal = {
  kind: 'key',
  keyId: 'key_a',
  modelRules: [],
  limits: [],
  budgets: [],
  runRules: [{ scope: 'key', id: 'key_a', name: 'a', maxSteps: 1 }],
};
const unbounded: Principal = { ...bounded, runRules: undefined } as Principal;

function exchange(headers: Record<string, string>, principal: Principal): Exchange {
  return {
    operation: 'chat',
    ctx: { headers, principal, record: {} },
    request: { model: 'm', messages: [] },
  } as unknown as Exchange;
}

const stage = runStage(
  { runs: new RunGuard(untouchable, { onFailure: 'closed' }) } as unknown as Admitter,
  () => undefined,
);

test('without a run header the stage passes at once, whatever the rules', async () => {
  const ex = exchange({}, bounded);
  assert.equal(await stage.run(ex, async () => answer), answer);
  assert.equal(ex.ctx.record.runId, undefined);
});

test('a run header without run rules is recorded, and nothing is counted', async () => {
  const ex = exchange({ 'x-gatehouse-run-id': 'r1' }, unbounded);
  assert.equal(await stage.run(ex, async () => answer), answer);
  assert.equal(ex.ctx.record.runId, 'r1');
});
