import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatehouseError } from '../core/errors/index.ts';
import type { Provider } from '../providers/types.ts';
import { type AttemptRecord, runWithFailover } from './failover.ts';
import { defaultTimeouts, type Target } from './targets.ts';

const provider = {} as Provider;
const target = (name: string, retries = 0, totalMs = defaultTimeouts.totalMs): Target => ({
  providerName: name,
  providerType: 'mock',
  provider,
  model: `${name}-model`,
  retries,
  timeouts: { ...defaultTimeouts, totalMs },
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
