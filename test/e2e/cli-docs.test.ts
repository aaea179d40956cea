// Every `gatehouse …` command shown in README.md and docs/ is run against a live gateway, so a
// documented command that does not exist (or no longer takes the flags shown) fails the build.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { runGatehouseAsync, runGatehouseInProcess } from '../helpers/cli.ts';
import { type DocCommand, docCommands, documentedCommands, shellWords } from '../helpers/doc-commands.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The gateway the docs assume: the mock models, a region `eu` (docs pin a team to it), a guardrail `no-pii`. */
const config = {
  ...mockOnlyConfig,
  regions: { eu: { database_url: 'sqlite::memory:' } },
  guardrails: { 'no-pii': { type: 'pii', action: 'redact' } },
};

/** A draft guardrail policy, for the `--policy FILE` the docs name. */
const draftPolicy = JSON.stringify({ guardrails: { 'no-pii': { type: 'pii', action: 'redact' } } });

/** An eval suite the mock provider passes, for the `gatehouse eval run suite.yaml` the docs show. */
const evalSuite = 'model: mock-fast\ncases:\n  - input: "How do I reset my password?"\n    assert: [{ type: contains, value: reset }]\n';

/** The objects the docs' examples name without creating, made when a command first needs them. */
class World {
  readonly #url: string;
  constructor(url: string) {
    this.#url = url;
  }

  async #admin(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: { id: string } }> {
    const res = await fetch(this.#url + path, {
      method,
      headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { id: string } };
  }

  async #ensure(
    collection: 'teams' | 'users',
    name: string,
    create: Record<string, unknown>,
  ): Promise<string> {
    const found = await this.#admin('GET', `/admin/${collection}/${encodeURIComponent(name)}`);
    if (found.status === 200) return found.body.id;
    const created = await this.#admin('POST', `/admin/${collection}`, { name, ...create });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id;
  }

  team = (name = 'search') => this.#ensure('teams', name, {});
  user = async (name = 'ada') => this.#ensure('users', name, { teams: [await this.team()] });

  /** A fresh key each time: one page revokes KEY_ID, the next line rotates it. */
  async key(): Promise<string> {
    const created = await this.#admin('POST', '/admin/keys', {
      name: `docs-${Math.random().toString(36).slice(2, 10)}`,
      team: await this.team(),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id;
  }
}

/** Placeholders the docs use, and what stands in for them. An unknown CAPITALISED word fails the test. */
const placeholders: Record<string, (world: World) => Promise<string> | string> = {
  KEY_ID: (w) => w.key(),
  KEY: (w) => w.key(),
  key_123: (w) => w.key(),
  TEAM: (w) => w.team(),
  team_123: (w) => w.team(),
  USER: (w) => w.user(),
  user_123: (w) => w.user(),
  FILE: () => 'gatehouse.yaml',
  NAME: () => 'docs-secret',
};

/**
 * Commands run in a safe form rather than as written (keep this short, and say why):
 * - `start` (and `init`, which writes files) would start a server or change the working directory:
 *   `--help` is added, which still checks that every flag shown exists.
 * - `logs tail` follows the log until interrupted: `--once` is added.
 */
function safeForm(args: string[]): string[] {
  if (args[0] === 'start' || args[0] === 'init') return [...args, '--help'];
  if (args[0] === 'logs' && args[1] === 'tail' && !args.includes('--once')) return [...args, '--once'];
  return args;
}

const readsInput = (args: string[]) => args[0] === 'secrets' && args[1] === 'set';

/** Names the command refers to (`--team search`, `teams update search`) are made to exist first. */
async function prepare(world: World, args: string[]): Promise<void> {
  const [group, action, target] = args;
  const creating = action === 'create';
  for (let i = 0; i < args.length - 1; i++) {
    const value = args[i + 1]!;
    if (args[i] === '--team') await world.team(value);
    if (args[i] === '--teams') for (const name of value.split(',')) await world.team(name);
    if (args[i] === '--user') await world.user(value);
    if (args[i] === '--policy' && !existsSync(value)) writeFileSync(value, draftPolicy);
    if (args[i] === '--baseline' && !existsSync(value)) writeFileSync(value, JSON.stringify({ pass_rate: 1 }));
  }
  // `gatehouse eval run suite.yaml`: a suite the mock passes, when the page's own is not on disk.
  if (group === 'eval' && action === 'run' && target && !existsSync(target)) writeFileSync(target, evalSuite);
  if (!creating && target && !/^[A-Z_]+$|_123$/.test(target)) {
    if (group === 'teams') await world.team(target);
    if (group === 'users') await world.user(target);
  }
}

async function substitute(world: World, args: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const arg of args) {
    const stand = placeholders[arg];
    if (stand) out.push(await stand(world));
    else {
      assert.ok(
        !/^[A-Z][A-Z_]{2,}$/.test(arg),
        `unknown placeholder ${arg}: add what stands in for it to placeholders in this test`,
      );
      out.push(arg);
    }
  }
  return out;
}

async function runPage(commands: DocCommand[]): Promise<string[]> {
  // The database as the configuration's source, so that `config rollback` has versions to go back to.
  const gateway = await startTestGateway(config, { configSource: 'database' });
  const cwd = mkdtempSync(join(tmpdir(), 'gatehouse-docs-'));
  writeFileSync(join(cwd, 'gatehouse.yaml'), JSON.stringify(mockOnlyConfig)); // JSON is YAML
  const world = new World(gateway.url);
  const failures: string[] = [];
  const env = { GATEHOUSE_URL: gateway.url, GATEHOUSE_MASTER_KEY: testMasterKey, GATEHOUSE_KEY: testMasterKey };
  Object.assign(process.env, env);
  const home = process.cwd();
  process.chdir(cwd);
  try {
    for (const command of commands) {
      const args = await substitute(world, safeForm(command.args));
      await prepare(world, args);
      // In this process (a process per command would take minutes), except what reads standard input.
      const result = readsInput(args)
        ? await runGatehouseAsync(args, { cwd, input: 'docs-secret-value\n', env })
        : await runGatehouseInProcess(args);
      if (result.code !== 0)
        failures.push(
          `${command.file}:${command.line}: ${command.text}\n    ran: gatehouse ${args.join(' ')}\n    exit ${result.code}: ${result.stderr.trim()}`,
        );
    }
  } finally {
    process.chdir(home);
    await gateway.stop(0);
  }
  return failures;
}

test('the extractor finds commands in code blocks and inline code, with quoting undone', () => {
  const page = [
    'Run `gatehouse keys revoke KEY_ID` or `POST /admin/keys/{id}/revoke`; `gatehouse` is the service name.',
    '```sh',
    "npx gatehouse teams create --name search --models 'gpt-*,mock-*'   # a comment",
    'curl localhost:4000/admin/keys \\',
    '  -d "{}"',
    'gatehouse usage --by team \\',
    '  --since 7d',
    'npm run gatehouse -- --help',
    'printenv KEY | gatehouse secrets set openai < /dev/null  # piped',
    'gatehouse teams list --json | jq .data',
    '```',
    '```text',
    '$ gatehouse kyes list',
    '```',
  ].join('\n');
  assert.deepEqual(
    docCommands('page.md', page).map((c) => [c.line, c.args]),
    [
      [1, ['keys', 'revoke', 'KEY_ID']],
      [3, ['teams', 'create', '--name', 'search', '--models', 'gpt-*,mock-*']],
      [6, ['usage', '--by', 'team', '--since', '7d']],
      [8, ['--help']],
      [9, ['secrets', 'set', 'openai']],
      [10, ['teams', 'list', '--json']],
    ],
  );
  assert.deepEqual(shellWords(`a "b c"'d' e#f # g`), ['a', 'b cd', 'e#f']);
  assert.deepEqual(shellWords(`config schema > out.json`), ['config', 'schema']);
});

test('every gatehouse command in README.md and docs/ runs against a live gateway', async () => {
  const commands = documentedCommands(root);
  // The docs show well over a dozen; fewer means the extractor broke, not that the docs changed.
  assert.ok(commands.length >= 15, `only ${commands.length} documented commands found`);
  const pages = Map.groupBy(commands, (c) => c.file);
  // One fresh gateway per page: each page is a walkthrough that starts from an empty store. Pages
  // run one after another: the commands are processes, and in parallel they only compete for CPU.
  const failures: string[] = [];
  for (const page of pages.values()) failures.push(...(await runPage(page)));
  assert.deepEqual(failures, [], `documented commands that fail:\n${failures.join('\n')}`);
});
