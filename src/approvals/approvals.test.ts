import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { listAudit, type Principal } from '../governance/index.ts';
import type { ToolCall } from '../mcp/hooks.ts';
import { ToolRefusal } from '../mcp/hooks.ts';
import { type Database, openDatabase } from '../store/index.ts';
import { Approvals } from './approvals.ts';
import { approvalHook, matchesGlob } from './hook.ts';
import { listApprovals } from './store.ts';

let database: Database;
const webhook: unknown[] = [];
let webhookUrl: string;
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    webhook.push(JSON.parse(body));
    res.end('ok');
  });
});

before(async () => {
  database = await openDatabase('sqlite::memory:');
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
after(async () => {
  server.close();
  await database.close();
});

const principal: Principal = {
  kind: 'key',
  keyId: 'key_agent',
  keyName: 'coder',
  teamId: 'team_1',
  modelRules: [],
  limits: [],
  budgets: [],
};

function call(tool: string, signal = new AbortController().signal, timeoutS = 30): ToolCall {
  return {
    server: 'github',
    tool,
    name: `github__${tool}`,
    arguments: { repo: 'acme/site' },
    principal,
    runId: 'run-1',
    requestId: 'req-1',
    signal,
    approval: { required: ['delete_*', 'merge_pull_request'], timeoutS },
  };
}

/** The id of the approval the call is waiting on, once it is stored. */
async function pendingId(tool: string): Promise<string> {
  for (let i = 0; i < 400; i++) {
    const { rows } = await listApprovals(database.db, { status: 'pending', limit: 100 });
    const row = rows.find((r) => r.tool === tool);
    if (row) return row.id;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`no pending approval for ${tool}`);
}

async function refusalOf(promise: Promise<unknown>): Promise<ToolRefusal> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ToolRefusal, String(err));
    return err;
  }
  assert.fail('the call was let through');
}

test('globs name the tools that need approval; others pass without a row', async () => {
  assert.ok(matchesGlob('delete_*', 'delete_repo'));
  assert.ok(!matchesGlob('delete_*', 'list_deletes'));
  const hook = approvalHook(new Approvals(database.db));
  await hook.before!(call('search_code'));
  await hook.before!({ ...call('delete_repo'), approval: undefined } as unknown as ToolCall);
  assert.equal((await listApprovals(database.db, { status: 'all', limit: 100 })).rows.length, 0);
});

test('a call approved through another replica runs; the webhook heard of it and the audit log names who decided', async () => {
  const waiting = new Approvals(database.db, { pollMs: 10, webhookUrl });
  const elsewhere = new Approvals(database.db);
  const hook = approvalHook(waiting);
  const running = hook.before!(call('merge_pull_request'));
  const id = await pendingId('merge_pull_request');
  const decided = await elsewhere.decide(id, 'approved', 'master');
  assert.equal(decided.status, 'approved');
  await running; // resolves: the call may run
  const entries = await listAudit(database.db, { limit: 100 });
  const entry = entries.find((e) => e.target_id === id);
  assert.equal(entry?.action, 'approval.approved');
  assert.equal(entry?.actor, 'master');
  for (let i = 0; i < 200 && webhook.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  const note = webhook[0] as { text: string; event: { id: string; kind: string; arguments: unknown } };
  assert.equal(note.event.kind, 'approval.requested');
  assert.equal(note.event.id, id);
  assert.deepEqual(note.event.arguments, { repo: 'acme/site' });
  assert.match(note.text, /the key "coder" asks to run github__merge_pull_request in run "run-1"/);
  assert.match(note.text, new RegExp(`gatehouse approvals approve ${id}`));
  // Decided once: a second decision is refused, saying how it went.
  await assert.rejects(
    elsewhere.decide(id, 'denied', 'key_admin'),
    /no longer pending: it was approved by master/,
  );
});

test('a denied call gets a refusal the agent can read, with the reason and who denied it', async () => {
  const approvals = new Approvals(database.db, { pollMs: 60_000 });
  const running = refusalOf(approvalHook(approvals).before!(call('delete_repo')));
  const id = await pendingId('delete_repo');
  // Decided on the waiting replica: it is woken at once, not at its next poll a minute later.
  await approvals.decide(id, 'denied', 'key_admin', 'not on a Friday');
  const refusal = await running;
  assert.equal(refusal.code, 'approval_denied');
  assert.match(refusal.message, /github__delete_repo was denied by key_admin: not on a Friday/);
  assert.deepEqual(refusal.data, { approval_id: id, status: 'denied' });
});

test('a call nobody decides times out, and the timeout is recorded as the gateway’s', async () => {
  const approvals = new Approvals(database.db, { pollMs: 10 });
  const refusal = await refusalOf(approvalHook(approvals).before!(call('delete_branch', undefined, 1)));
  assert.equal(refusal.code, 'approval_timeout');
  assert.match(refusal.message, /none came within 1 s/);
  const id = (refusal.data as { approval_id: string }).approval_id;
  const { rows } = await listApprovals(database.db, { status: 'timed_out', limit: 100 });
  const row = rows.find((r) => r.id === id);
  assert.equal(row?.decided_by, 'gatehouse');
  await assert.rejects(approvals.decide(id, 'approved', 'master'), /no longer pending: it was timed out/);
});

test('a wait ends when the caller goes away, and when the gateway stops', async () => {
  const approvals = new Approvals(database.db, { pollMs: 60_000 });
  const caller = new AbortController();
  const left = refusalOf(approvalHook(approvals).before!(call('delete_file', caller.signal)));
  await pendingId('delete_file');
  caller.abort();
  assert.equal((await left).code, 'approval_cancelled');
  const stopping = refusalOf(approvalHook(approvals).before!(call('delete_tag')));
  await pendingId('delete_tag');
  approvals.close();
  assert.equal((await stopping).code, 'approval_cancelled');
  assert.equal((await listApprovals(database.db, { status: 'pending', limit: 100 })).rows.length, 0);
});

test('a database that goes away during the wait never lets the call through', async () => {
  const own = await openDatabase('sqlite::memory:');
  const approvals = new Approvals(own.db, { pollMs: 10 });
  const waiting = refusalOf(approvalHook(approvals).before!(call('delete_everything', undefined, 1)));
  for (let i = 0; i < 200; i++) {
    const { rows } = await listApprovals(own.db, { status: 'pending', limit: 10 });
    if (rows.length > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await own.close();
  assert.equal((await waiting).code, 'approval_timeout');
});
