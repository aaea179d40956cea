import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatehouseError } from '../core/errors/index.ts';
import type { Provider } from '../providers/types.ts';
import { type AttemptRecord, runWithFailover } from './failover.ts';
import { RoutingState } from './state.ts';
import { defaultTimeouts, type Target } from './targets.ts';

const provider = {} as Provider;
const target = (name: string, retries = 0, totalMs = defaultTimeouts.totalMs): Target => ({
  providerName: name,
  providerType: 'mock',
  provider,
  model: `${name}-model`,
  retries,
  timeouts: { ...defaultTimeouts, totalMs },
  weight: 1,
  state: new RoutingState().target(name, `${name}-model`),
  breaker: undefined,
});
const settings = { maxRetryWaitMs: 1_000, backoffBaseMs: 1 };

function input(signal = new AbortController().signal) {
  const attempts: AttemptRecord[] = [];
  return { requestId: 'r1', signal, attempts };
}

test('moves to the next target after a retryable failure and records both attempts', async () => {
  const run = input();
  const served = await runWithFailover([target('a'), target('b')], run, settings, async (t) => {
    if (t.providerName === 'a') throw new GatehouseError('GH_UPSTREAM_ERROR', 'boom');
    return 'ok';
  });
  served.release();
  assert.equal(served.value, 'ok');
  assert.equal(served.target.providerName, 'b');
  assert.deepEqual(
    run.attempts.map((a) => [a.provider, a.status, a.errorCode]),
    [
      ['a', 502, 'GH_UPSTREAM_ERROR'],
      ['b', 200, undefined],
    ],
  );
});

test('retries the same target up to its retries before failing over', async () => {
  const calls: string[] = [];
  const served = await runWithFailover([target('a', 2), target('b')], input(), settings, async (t) => {
    calls.push(t.providerName);
    if (t.providerName === 'a') throw new GatehouseError('GH_UPSTREAM_OVERLOADED', 'busy');
    return 'ok';
  });
  served.release();
  assert.deepEqual(calls, ['a', 'a', 'a', 'b']);
});

test('a non-retryable failure is thrown at once', async () => {
  const calls: string[] = [];
  await assert.rejects(
    runWithFailover([target('a', 3), target('b')], input(), settings, async (t) => {
      calls.push(t.providerName);
      throw new GatehouseError('GH_UPSTREAM_REJECTED', 'bad request');
    }),
    (err: GatehouseError) => err.code === 'GH_UPSTREAM_REJECTED',
  );
  assert.deepEqual(calls, ['a']);
});

test('a Retry-After beyond the longest wait fails over instead of retrying', async () => {
  const calls: string[] = [];
  const served = await runWithFailover([target('a', 5), target('b')], input(), settings, async (t) => {
    calls.push(t.providerName);
    if (t.providerName === 'a')
      throw new GatehouseError('GH_UPSTREAM_RATE_LIMITED', 'slow down', { retryAfter: 30 });
    return 'ok';
  });
  served.release();
  assert.deepEqual(calls, ['a', 'b']);
});

test('the last error is thrown when every target fails', async () => {
  await assert.rejects(
    runWithFailover([target('a'), target('b')], input(), settings, async (t) => {
      throw new GatehouseError(
        t.providerName === 'a' ? 'GH_UPSTREAM_ERROR' : 'GH_UPSTREAM_TIMEOUT',
        t.providerName,
      );
    }),
    (err: GatehouseError) => err.code === 'GH_UPSTREAM_TIMEOUT',
  );
});

test('the total timeout aborts an attempt with a timeout error', async () => {
  await assert.rejects(
    runWithFailover([target('a', 0, 20)], input(), settings, (_t, opts) => {
      return new Promise((_resolve, reject) => {
        opts.signal.addEventListener('abort', () => reject(opts.signal.reason));
      });
    }),
    (err: GatehouseError) => err.code === 'GH_UPSTREAM_TIMEOUT',
  );
});

test('a caller who leaves stops the failover at once', async () => {
  const caller = new AbortController();
  const calls: string[] = [];
  await assert.rejects(
    runWithFailover([target('a'), target('b')], input(caller.signal), settings, async (t, opts) => {
      calls.push(t.providerName);
      caller.abort(new GatehouseError('GH_CLIENT_CLOSED', 'gone'));
      throw opts.signal.reason;
    }),
    (err: GatehouseError) => err.code === 'GH_CLIENT_CLOSED',
  );
  assert.deepEqual(calls, ['a']);
});

const guarded = (name: string) => ({
  ...target(name),
  breaker: { threshold: 2, windowMs: 60_000, cooldownMs: 60_000 },
});

test('failures open the breaker; an open target is skipped without a call, straight to the next', async () => {
  const a = guarded('a');
  const b = guarded('b');
  const calls: string[] = [];
  const call = async (t: Target) => {
    calls.push(t.providerName);
    if (t.providerName === 'a') throw new GatehouseError('GH_UPSTREAM_ERROR', 'boom');
    return 'ok';
  };
  for (let i = 0; i < 2; i++) (await runWithFailover([a, b], input(), settings, call)).release();
  assert.equal(a.state.breaker.phase, 'open');
  calls.length = 0;
  const run = input();
  const served = await runWithFailover([a, b], run, settings, call);
  served.release();
  assert.deepEqual(calls, ['b'], 'no call to the open target');
  assert.deepEqual(
    run.attempts.map((x) => x.provider),
    ['b'],
  );
});

test('every breaker open: GH_CIRCUIT_OPEN with a Retry-After, and no upstream call', async () => {
  const a = guarded('a');
  a.state.breaker.open(performance.now(), 20_000);
  let called = false;
  await assert.rejects(
    runWithFailover([a], input(), settings, async () => {
      called = true;
      return 'ok';
    }),
    (err: GatehouseError) => err.code === 'GH_CIRCUIT_OPEN' && err.retryAfter === 20 && err.status === 503,
  );
  assert.equal(called, false);
});

test('a non-retryable failure does not count against the breaker', async () => {
  const a = guarded('a');
  for (let i = 0; i < 5; i++) {
    await assert.rejects(
      runWithFailover([a], input(), settings, async () => {
        throw new GatehouseError('GH_UPSTREAM_REJECTED', 'bad request');
      }),
    );
  }
  assert.equal(a.state.breaker.phase, 'closed');
});

test('in flight counts an attempt until it is released, and latency is averaged on success', async () => {
  const a = guarded('a');
  const served = await runWithFailover([a], input(), settings, async () => {
    assert.equal(a.state.inFlight, 1);
    return 'ok';
  });
  assert.equal(a.state.inFlight, 1, 'a stream holds its target until it ends');
  served.release();
  served.release();
  assert.equal(a.state.inFlight, 0);
  assert.ok(a.state.ewmaMs !== undefined && a.state.ewmaMs >= 0);
});
