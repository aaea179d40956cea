import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Principal, RunRule } from '../governance/index.ts';
import { type ToolCall, ToolRefusal } from '../mcp/hooks.ts';
import { RunGuard } from './guard.ts';
import { runHook } from './hook.ts';
import { createMemoryRunStore } from './state.ts';

const principal = (keyId: string, rule: Partial<RunRule>): Principal => ({
  kind: 'key',
  keyId,
  keyName: keyId,
  modelRules: [],
  limits: [],
  budgets: [],
  runRules: [{ scope: 'key', id: keyId, name: keyId, ...rule }],
});

const call = (who: Principal, tool: string, args: Record<string, unknown>, runId?: string): ToolCall => ({
  server: 'github',
  tool,
  name: `github__${tool}`,
  arguments: args,
  principal: who,
  ...(runId === undefined ? {} : { runId }),
  requestId: 'req',
  signal: new AbortController().signal,
});

async function refused(promise: Promise<unknown>): Promise<ToolRefusal> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ToolRefusal, String(err));
    return err;
  }
  assert.fail('the call was let through');
}

test('max_tool_calls refuses the call past it with run_limit_exceeded naming the bound; other runs and keys go on', async () => {
  const hook = runHook(new RunGuard(createMemoryRunStore(), { onFailure: 'closed' }));
  const agent = principal('key_a', { maxToolCalls: 2 });
  await hook.before!(call(agent, 'search', { q: '1' }, 'r'));
  await hook.before!(call(agent, 'search', { q: '2' }, 'r'));
  const refusal = await refused(hook.before!(call(agent, 'search', { q: '3' }, 'r')));
  assert.equal(refusal.code, 'run_limit_exceeded');
  assert.deepEqual(refusal.data, { bound: 'max_tool_calls' });
  assert.match(
    refusal.message,
    /run "r" reached its bound max_tool_calls: 2 tool calls set by the key "key_a"/,
  );
  await hook.before!(call(agent, 'search', { q: '3' }, 'another-run'));
  await hook.before!(call(principal('key_b', { maxToolCalls: 2 }), 'search', { q: '3' }, 'r'));
  // Outside a run there is nothing to count.
  for (let i = 0; i < 5; i++) await hook.before!(call(agent, 'search', { q: 'x' }));
});

test('the loop breaker: the same tool with the same arguments more than max_repeats times in a row stops the run', async () => {
  const hook = runHook(new RunGuard(createMemoryRunStore(), { onFailure: 'closed' }));
  const agent = principal('key_a', { maxRepeats: 2 });
  // Key order does not make a call different; other arguments, or another tool, do.
  await hook.before!(call(agent, 'get_file', { path: 'a', ref: 'main' }, 'loop'));
  await hook.before!(call(agent, 'get_file', { ref: 'main', path: 'a' }, 'loop'));
  const refusal = await refused(hook.before!(call(agent, 'get_file', { path: 'a', ref: 'main' }, 'loop')));
  assert.deepEqual(refusal.data, { bound: 'max_repeats' });
  assert.match(
    refusal.message,
    /the same tool call more than 2 times in a row; the loop breaker stopped the run/,
  );
  // Stopped: a different call in the same run is refused too.
  assert.equal(
    (await refused(hook.before!(call(agent, 'list_files', {}, 'loop')))).code,
    'run_limit_exceeded',
  );
  // A row broken by another call is not a loop.
  await hook.before!(call(agent, 'get_file', { path: 'a' }, 'fine'));
  await hook.before!(call(agent, 'get_file', { path: 'a' }, 'fine'));
  await hook.before!(call(agent, 'get_file', { path: 'b' }, 'fine'));
  await hook.before!(call(agent, 'get_file', { path: 'a' }, 'fine'));
  await hook.before!(call(agent, 'get_file', { path: 'a' }, 'fine'));
});

test('tool calls and model calls share the run: cost spent on models stops its tools', async () => {
  const guard = new RunGuard(createMemoryRunStore(), { onFailure: 'closed' });
  const agent = principal('key_a', { maxCostMicros: 1000, maxSteps: 1 });
  await guard.step(agent, 'shared', 'model', () => 'ask');
  await guard.charge(agent, 'shared', 0.002);
  const refusal = await refused(runHook(guard).before!(call(agent, 'search', {}, 'shared')));
  assert.deepEqual(refusal.data, { bound: 'max_cost_usd' });
});

test('counters that do not answer refuse the call (closed) or let it through (open)', async () => {
  const broken = {
    ...createMemoryRunStore(),
    step: () => Promise.reject(new Error('connection refused')),
  };
  const agent = principal('key_a', { maxToolCalls: 5 });
  const closed = await refused(
    runHook(new RunGuard(broken, { onFailure: 'closed' })).before!(call(agent, 't', {}, 'r')),
  );
  assert.equal(closed.code, 'counters_unavailable');
  await runHook(new RunGuard(broken, { onFailure: 'open' })).before!(call(agent, 't', {}, 'r'));
});
