// Every command group of the CLI against a running gateway: create, get, list (table and --json),
// update, delete, rules and spend, and what a person sees on a mistake.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { identityGroups } from '../../src/cli/identity.ts';
import { auditGroup, secretsGroup } from '../../src/cli/governance.ts';
import { logsGroup } from '../../src/cli/logs.ts';
import { configGroup } from '../../src/cli/config.ts';
import type { Gateway } from '../../src/server/index.ts';
import { runGatehouseAsync, runGatehouseInProcess } from '../helpers/cli.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';

let gateway: Gateway;
before(async () => {
  gateway = await startTestGateway(mockOnlyConfig);
});
after(() => gateway.stop(0));

// In this process, for speed; the tests of help, mistakes and errors also run the real binary.
const cli = (...args: string[]) =>
  runGatehouseInProcess([...args, '--url', gateway.url, '--master-key', testMasterKey]);
async function json<T = Record<string, unknown>>(...args: string[]): Promise<T> {
  const result = await cli(...args, '--json');
  assert.equal(result.code, 0, `gatehouse ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}
/** `key: value` lines as a map. */
const lines = (stdout: string) =>
  new Map(
    stdout
      .trim()
      .split('\n')
      .map((l) => [l.split(':')[0]!, l.slice(l.indexOf(':') + 1).trim()]),
  );
/** A table as rows of cells (the header first). */
const rows = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => l.split(/ {2,}/));

/** In this process: for the many --help checks, where a process each would be slow. */
async function inProcess(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const result = await runGatehouseInProcess(args);
  return { code: result.code, out: result.stdout, err: result.stderr };
}

test('--help at every level lists the subcommands and flags, and exits 0', async () => {
  const top = await runGatehouseAsync(['--help']);
  assert.equal(top.code, 0);
  for (const name of ['start', 'config', 'teams', 'users', 'keys', 'secrets', 'audit', 'logs', 'usage'])
    assert.match(top.stdout, new RegExp(`^  ${name} `, 'm'));
  const keys = await runGatehouseAsync(['keys', '--help']);
  assert.equal(keys.code, 0);
  for (const name of ['list', 'get', 'create', 'update', 'delete', 'rules', 'spend', 'rotate', 'revoke'])
    assert.match(keys.stdout, new RegExp(`^  ${name} `, 'm'));
  const create = await runGatehouseAsync(['keys', 'create', '--help']);
  assert.equal(create.code, 0);
  assert.match(create.stdout, /^Usage: gatehouse keys create --name NAME --team TEAM \[options\]/);
  for (const flag of [
    '--name NAME',
    '--team TEAM',
    '--budget USD',
    '--rpm N',
    '--log-bodies MODE',
    '--json',
    '--url URL',
  ])
    assert.ok(create.stdout.includes(flag), flag);

  // Every subcommand of every group answers --help with its own usage line.
  for (const group of [...identityGroups, secretsGroup, auditGroup, logsGroup, configGroup]) {
    const groupHelp = await inProcess([group.name, '--help']);
    assert.equal(groupHelp.code, 0, group.name);
    for (const action of group.actions) {
      const help = await inProcess([group.name, action.name, '--help']);
      assert.equal(help.code, 0, `${group.name} ${action.name}`);
      assert.match(help.out, new RegExp(`^Usage: gatehouse ${group.name} ${action.name}`));
    }
  }
  assert.equal((await inProcess(['usage', '--help'])).code, 0);
  assert.equal((await inProcess(['help', 'keys', 'create'])).out, create.stdout);
  assert.match((await inProcess(['start', '--help'])).out, /gatehouse start/);
});

test('a mistyped command, subcommand or flag is named, with the nearest one, exit 2', async () => {
  const command = await runGatehouseAsync(['kyes', 'list']);
  assert.equal(command.code, 2);
  assert.equal(command.stdout, '');
  assert.match(command.stderr, /^gatehouse: unknown command "kyes"\. Did you mean "keys"\?/);
  const sub = await runGatehouseAsync(['keys', 'udpate', 'key_1']);
  assert.equal(sub.code, 2);
  assert.match(sub.stderr, /^gatehouse keys: unknown subcommand "udpate"\. Did you mean "update"\?/);
  const flag = await runGatehouseAsync(['teams', 'update', 'search', '--log-bodis', 'full']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /unknown option "--log-bodis"\. Did you mean "--log-bodies"\?/);
  const start = await inProcess(['start', '--prot', '4000']);
  assert.equal(start.code, 2);
  assert.match(start.err, /^gatehouse start: unknown option "--prot"\. Did you mean "--port"\?/);
  const far = await inProcess(['teams', 'frobnicate']);
  assert.equal(far.code, 2);
  assert.doesNotMatch(far.err, /Did you mean/, 'no suggestion when nothing is near');

  const early = await inProcess(['--url', 'http://127.0.0.1:4000', 'keys', 'list']);
  assert.equal(early.code, 2);
  assert.match(early.err, /options go after it/);

  const bare = await inProcess(['keys']);
  assert.equal(bare.code, 2);
  assert.match(bare.err, /Subcommands:/);
  // Checked before any request: the unreachable gateway is never asked.
  const noTeam = await inProcess(['keys', 'create', '--name', 'x', '--url', 'http://127.0.0.1:1']);
  assert.equal(noTeam.code, 2);
  assert.match(noTeam.err, /--team is required/);
  const noArg = await inProcess(['keys', 'get']);
  assert.equal(noArg.code, 2);
  assert.match(noArg.err, /missing KEY/);
  const extra = await inProcess(['teams', 'list', 'search']);
  assert.equal(extra.code, 2);
  assert.match(extra.err, /unexpected argument "search"/);
  const noValue = await inProcess(['teams', 'create', '--name']);
  assert.equal(noValue.code, 2);
  assert.match(noValue.err, /--name needs a value \(NAME\)/);
});

test('teams: create, get, list as a table or JSON, update with rename and rules, rules, spend, delete', async () => {
  const created = await cli('teams', 'create', '--name', 'research', '--models', 'mock-*', '--budget', '20');
  assert.equal(created.code, 0, created.stderr);
  const shown = lines(created.stdout);
  assert.equal(shown.get('name'), 'research');
  assert.equal(shown.get('models'), 'mock-*');
  assert.match(shown.get('id')!, /^team_/);

  const got = await json('teams', 'get', 'research');
  assert.equal(got.id, shown.get('id'));
  assert.equal(got.log_bodies, null);

  const table = await cli('teams', 'list');
  assert.equal(table.code, 0);
  const [header, ...body] = rows(table.stdout);
  assert.deepEqual(header, ['id', 'name', 'models', 'log_bodies', 'region', 'created_at']);
  assert.ok(body.some((r) => r[1] === 'research' && r[2] === 'mock-*'));
  const listed = await json<{ data: Array<{ name: string }>; next_cursor: string | null }>('teams', 'list');
  assert.ok(listed.data.some((t) => t.name === 'research'));
  assert.ok('next_cursor' in listed);

  const updated = await json<
    Record<string, unknown> & { rules: { budget: { usd: number }; limits: { rpm: number } } }
  >(
    'teams',
    'update',
    'research',
    '--name',
    'research-eu',
    '--log-bodies',
    'full',
    '--rpm',
    '60',
    '--budget',
    '25',
  );
  assert.equal(updated.name, 'research-eu');
  assert.equal(updated.log_bodies, 'full');
  assert.equal(updated.rules.budget.usd, 25);
  assert.equal(updated.rules.limits.rpm, 60);
  // Only what is named changes: a later --tpm keeps the rpm and the budget.
  await json('teams', 'update', 'research-eu', '--tpm', '1000', '--unset', 'models');
  const rules = lines((await cli('teams', 'rules', 'research-eu')).stdout);
  assert.deepEqual(
    [
      rules.get('models'),
      rules.get('budget.usd'),
      rules.get('budget.period'),
      rules.get('limits.rpm'),
      rules.get('limits.tpm'),
    ],
    ['-', '$25.00', 'month', '60', '1000'],
  );
  await json('teams', 'update', 'research-eu', '--unset', 'budget,rpm');
  const after = await json<{ budget: unknown; limits: unknown }>('teams', 'rules', 'research-eu');
  assert.deepEqual([after.budget, after.limits], [null, { tpm: 1000 }]);

  const spend = lines((await cli('teams', 'spend', 'research-eu')).stdout);
  assert.equal(spend.get('spent_usd'), '$0.00');

  const nothing = await cli('teams', 'update', 'research-eu');
  assert.equal(nothing.code, 2);
  assert.match(nothing.stderr, /nothing to change/);

  await json('keys', 'create', '--name', 'k', '--team', 'research-eu');
  const refused = await cli('teams', 'delete', 'research-eu');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /has 1 key.*With the CLI: add --cascade\. \(HTTP 409\)\n$/);
  const deleted = await cli('teams', 'delete', 'research-eu', '--cascade');
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(deleted.stdout, 'Deleted team "research-eu".\n');
  const gone = await cli('teams', 'get', 'research-eu');
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /^gatehouse: .*research-eu.* \(HTTP 404\)\n$/);
});

test('users: create with teams, change membership, unset a field, list by team, delete', async () => {
  await json('teams', 'create', '--name', 'red');
  await json('teams', 'create', '--name', 'blue');
  const ada = await json<{ id: string; teams: string[] }>(
    'users',
    'create',
    '--name',
    'ada',
    '--email',
    'ada@example.com',
    '--teams',
    'red',
  );
  assert.equal(ada.teams.length, 1);
  const moved = await json<{ teams: string[]; email: string | null }>(
    'users',
    'update',
    'ada',
    '--teams',
    'red,blue',
    '--unset',
    'email',
  );
  assert.equal(moved.teams.length, 2);
  assert.equal(moved.email, null);
  const members = await cli('users', 'list', '--team', 'blue');
  assert.equal(members.code, 0, members.stderr);
  assert.deepEqual(
    rows(members.stdout)
      .slice(1)
      .map((r) => r[1]),
    ['ada'],
  );
  const got = lines((await cli('users', 'get', ada.id)).stdout);
  assert.equal(got.get('name'), 'ada');
  assert.equal(got.get('email'), '-');
  assert.equal((await cli('users', 'delete', 'ada')).code, 0);
  assert.equal((await cli('users', 'get', 'ada')).code, 1);
});

test('keys: the secret once, get, list without secrets, update, rotate, delete keeps it readable', async () => {
  await json('teams', 'create', '--name', 'platform');
  const created = await cli(
    'keys',
    'create',
    '--name',
    'deploy',
    '--team',
    'platform',
    '--expires-at',
    '2030-01-01T00:00:00Z',
  );
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /^key: +gh-\S+\n/, 'the secret is the first line');
  assert.match(created.stderr, /shown only now/);
  const secret = lines(created.stdout).get('key')!;
  const id = lines(created.stdout).get('id')!;

  const listed = await cli('keys', 'list', '--team', 'platform');
  assert.ok(!listed.stdout.includes(secret), 'lists never show the secret');
  const [header, row] = rows(listed.stdout);
  assert.deepEqual([row![header!.indexOf('name')], row![header!.indexOf('status')]], ['deploy', 'active']);
  const updated = await json<Record<string, unknown>>(
    'keys',
    'update',
    id,
    '--log-bodies',
    'off',
    '--unset',
    'expires-at',
    '--rpm',
    '5',
  );
  assert.equal(updated.log_bodies, 'off');
  assert.equal(updated.expires_at, null);
  const rotated = await json<{ key: string }>('keys', 'rotate', id, '--overlap', '0');
  assert.notEqual(rotated.key, secret);

  const deleted = await cli('keys', 'delete', id);
  assert.equal(deleted.code, 0, deleted.stderr);
  const after = await json<{ revoked_at: string | null; deleted_at: string | null }>('keys', 'get', id);
  assert.ok(after.revoked_at && after.deleted_at, 'deleting revokes and keeps the key');
  assert.equal(rows((await cli('keys', 'list', '--team', 'platform')).stdout)[0]![0], '(none)');
  assert.equal(
    (await json<{ data: unknown[] }>('keys', 'list', '--team', 'platform', '--include-deleted')).data.length,
    1,
  );
  const history = rows((await cli('keys', 'list', '--team', 'platform', '--include-deleted')).stdout);
  assert.equal(history[1]![history[0]!.indexOf('status')], 'deleted');
});

test('lists page with --limit and --cursor, or --all', async () => {
  for (const name of ['page-a', 'page-b', 'page-c']) await json('teams', 'create', '--name', name);
  const first = await cli('teams', 'list', '--limit', '2');
  assert.equal(rows(first.stdout).length, 3, 'a header and two rows');
  const cursor = /--cursor (\S+)/.exec(first.stderr)?.[1];
  assert.ok(cursor, first.stderr);
  const next = await json<{ data: unknown[] }>('teams', 'list', '--limit', '2', '--cursor', cursor);
  assert.ok(next.data.length >= 1);
  const all = await json<{ data: unknown[]; next_cursor: null }>('teams', 'list', '--limit', '2', '--all');
  const everything = await json<{ data: unknown[] }>('teams', 'list', '--limit', '1000');
  assert.equal(all.data.length, everything.data.length);
  assert.equal(all.next_cursor, null);
});

test('secrets, audit and logs: tables, key: value lines and JSON', async () => {
  const set = await runGatehouseAsync(
    ['secrets', 'set', 'anthropic', '--url', gateway.url, '--master-key', testMasterKey],
    {
      input: 'sk-ant-secret\n',
    },
  );
  assert.equal(set.code, 0, set.stderr);
  assert.ok(!set.stdout.includes('sk-ant-secret'));
  assert.equal(lines((await cli('secrets', 'get', 'anthropic')).stdout).get('name'), 'anthropic');
  assert.deepEqual(rows((await cli('secrets', 'list')).stdout)[0], ['name', 'created_at', 'updated_at']);
  assert.equal((await cli('secrets', 'delete', 'anthropic')).stdout, 'Deleted secret "anthropic".\n');
  assert.equal((await cli('secrets', 'get', 'anthropic')).code, 1);

  const audit = rows((await cli('audit', 'list')).stdout);
  assert.deepEqual(audit[0], ['seq', 'at', 'actor', 'action', 'target_type', 'target_id']);
  assert.ok(audit.some((r) => r[3] === 'team.create'));
  assert.match((await cli('audit', 'verify')).stdout, /^The audit log is intact \(\d+ entries\)\.\n$/);

  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testMasterKey}`, 'x-request-id': 'cli-commands-1' },
    body: JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(res.status, 200);
  await res.text();
  let table: string[][] = [];
  for (let i = 0; i < 100 && table.length < 2; i++) {
    table = rows((await cli('logs', 'list', '--request-id', 'cli-commands-1')).stdout).filter(
      (r) => r[0] !== '(none)',
    );
    if (table.length < 2) await new Promise((r) => setTimeout(r, 100));
  }
  const [header, row] = table;
  assert.deepEqual(header!.slice(0, 4), ['received_at', 'status', 'model', 'provider']);
  const cell = (name: string) => row![header!.indexOf(name)]!;
  assert.equal(cell('status'), '200');
  assert.match(cell('cost_usd'), /^\$\d+\.\d{2,9}$/, 'money rounded');
  assert.match(cell('duration_ms'), /^\d+ms$/, 'whole milliseconds');
});

test('logs and usage filter by a team named, not only by its id', async () => {
  await json('teams', 'create', '--name', 'observers');
  const { key } = await json<{ key: string }>('keys', 'create', '--name', 'watcher', '--team', 'observers');
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(res.status, 200);
  await res.text();
  let events: unknown[] = [];
  for (let i = 0; i < 100 && events.length === 0; i++) {
    events = (await json<{ data: unknown[] }>('logs', 'list', '--team', 'observers')).data;
    if (events.length === 0) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(events.length, 1);
  const tail = await cli('logs', 'tail', '--once', '--team', 'observers', '--json');
  assert.equal(tail.stdout.trim().split('\n').length, 1);
  const usage = await json<{ totals: { requests: number } }>('usage', '--team', 'observers', '--since', '1d');
  assert.equal(usage.totals.requests, 1);
});

test('errors from the API are one sentence, never JSON or a stack', async () => {
  const missing = await runGatehouseAsync([
    'keys',
    'get',
    'key_nope',
    '--url',
    gateway.url,
    '--master-key',
    testMasterKey,
  ]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^gatehouse: .*key_nope.* \(HTTP 404\)\n$/);
  const wrongKey = await runGatehouseAsync(['teams', 'list', '--url', gateway.url, '--master-key', 'wrong']);
  assert.equal(wrongKey.code, 1);
  assert.match(wrongKey.stderr, /Check --master-key or GATEHOUSE_MASTER_KEY\. \(HTTP 401\)\n$/);
  const down = await runGatehouseAsync(['teams', 'list', '--url', 'http://127.0.0.1:1', '--master-key', 'x']);
  assert.equal(down.code, 1);
  assert.match(
    down.stderr,
    /^gatehouse: cannot reach the gateway at http:\/\/127\.0\.0\.1:1 .*Is it running\?/,
  );
  for (const result of [missing, wrongKey, down]) {
    assert.doesNotMatch(result.stderr, /[{}]|\n\s+at /, 'no JSON, no stack');
  }
});
