// `npm run demo` keeps filling the console: a short run of the real script (its own process, its own
// SQLite store) leaves model and tool calls, agent runs that mix them, guardrail verdicts, cache
// hits, evaluator scores and feedback, spread over the days asked for, a run's calls kept together.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openDatabase } from '../../src/store/index.ts';

const script = new URL('../../scripts/demo.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-demo-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function demo(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

test('a short demo fills a store with model and tool traffic, runs, verdicts and scores', {
  timeout: 120_000,
}, async () => {
  const store = join(dir, 'store');
  const run = await demo(['--requests', '160', '--runs', '8', '--days', '2', '--dir', store, '--fill-only']);
  assert.equal(run.code, 0, run.output);
  assert.match(run.output, /8 agent runs \(0 cut short\) with \d+ tool calls/);
  const database = await openDatabase(`sqlite:${join(store, 'store.db')}`);
  try {
    const db = database.db;
    const events = await db.selectFrom('request_events').selectAll().execute();
    const tools = events.filter((e) => e.kind === 'tool');
    assert.ok(tools.length >= 8, `tool calls: ${tools.length}`);
    assert.ok(
      tools.some((e) => e.status === 200 && e.error_code === null),
      'some tool calls succeed',
    );
    assert.ok(tools.some((e) => e.mcp_server === 'tickets') || tools.some((e) => e.mcp_server === 'web'));
    const runs = new Map<string, typeof events>();
    for (const e of events.filter((e) => e.run_id)) {
      const id = `${e.key_id}:${e.run_id}`;
      runs.set(id, [...(runs.get(id) ?? []), e]);
    }
    assert.equal(runs.size, 8);
    for (const [id, calls] of runs) {
      assert.ok(
        calls.some((c) => c.kind === 'tool') && calls.some((c) => c.kind !== 'tool'),
        `${id} mixes model and tool calls`,
      );
      const times = calls.map((c) => c.received_at);
      assert.ok(Math.max(...times) - Math.min(...times) < 60_000, `${id}: its calls stayed together`);
    }
    const now = Date.now();
    for (const e of events) assert.ok(e.received_at <= now && e.received_at >= now - 2 * 86_400_000 - 60_000);
    const verdicts = events.flatMap(
      (e) => (e.guardrails ? JSON.parse(e.guardrails) : []) as Array<{ action: string }>,
    );
    assert.ok(
      verdicts.some((v) => v.action === 'redacted'),
      'the PII guardrail redacted something',
    );
    assert.ok(
      events.some((e) => e.cache === 'hit'),
      'repeated prompts were served from the cache',
    );
    const scores = await db.selectFrom('quality_scores').selectAll().execute();
    assert.ok(scores.some((s) => s.source === 'evaluator' && s.name === 'not-refused'));
    assert.ok(scores.some((s) => s.source === 'feedback' && s.name === 'thumbs'));
    const byRequest = new Map(events.map((e) => [e.request_id, e.received_at]));
    for (const s of scores) {
      const at = byRequest.get(s.request_id);
      assert.ok(at !== undefined && Math.abs(s.created_at - at) < 120_000, 'a score moved with its request');
    }
    const rollup = await db
      .selectFrom('usage_hourly')
      .select((eb) => eb.fn.sum<number>('requests').as('requests'))
      .executeTakeFirst();
    // Tool calls are not model usage: the rollups count model calls only, as the event writer does.
    const modelCalls = events.filter((e) => e.kind !== 'tool').length;
    assert.equal(Number(rollup?.requests), modelCalls, 'the rollups were rebuilt from the moved events');
    const rules = await db.selectFrom('tool_rules').selectAll().execute();
    assert.ok(rules.length >= 3, 'teams carry tool rules');
  } finally {
    await database.close();
  }
});
