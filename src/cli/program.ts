// The `gatehouse` command table: every command and group, loaded on demand so that a quick command
// does not pay for the server's modules, and one dispatcher that prints help and "did you mean".
import { AdminError } from './admin-client.ts';
import {
  type Action,
  type Command,
  type Group,
  groupHelp,
  runAction,
  runCommand,
  UsageError,
  unknown,
} from './command.ts';

type Entry =
  | { kind: 'group'; summary: string; load: () => Promise<Group> }
  | { kind: 'action'; summary: string; load: () => Promise<Action> }
  /** Commands with a hand-written usage text. */
  | { kind: 'command'; summary: string; load: () => Promise<Command> };

const identity = async (name: string) =>
  (await import('./identity.ts')).identityGroups.find((g) => g.name === name)!;

export const entries: Record<string, Entry> = {
  start: {
    kind: 'command',
    summary: 'Start the gateway (default port 4000)',
    load: async () => (await import('./start.ts')).startCommand,
  },
  init: {
    kind: 'command',
    summary: 'Write a starter gatehouse.yaml (from flags, or by asking)',
    load: async () => (await import('./init.ts')).initCommand,
  },
  config: {
    kind: 'group',
    summary: 'Check a configuration file, or print its JSON Schema',
    load: async () => (await import('./config.ts')).configGroup,
  },
  teams: {
    kind: 'group',
    summary: 'Teams: create, list, get, update, delete, rules, spend',
    load: () => identity('teams'),
  },
  users: {
    kind: 'group',
    summary: 'Users: create, list, get, update, delete, rules, spend',
    load: () => identity('users'),
  },
  keys: {
    kind: 'group',
    summary: 'Virtual keys: create, list, get, update, rotate, revoke, delete, rules, spend',
    load: () => identity('keys'),
  },
  secrets: {
    kind: 'group',
    summary: 'Provider credentials, sealed at rest: list, get, set, delete',
    load: async () => (await import('./governance.ts')).secretsGroup,
  },
  audit: {
    kind: 'group',
    summary: 'The audit log: list, verify',
    load: async () => (await import('./governance.ts')).auditGroup,
  },
  logs: {
    kind: 'group',
    summary: 'The request log: tail (follow live), list',
    load: async () => (await import('./logs.ts')).logsGroup,
  },
  guardrails: {
    kind: 'group',
    summary: 'Guardrails: backtest a draft policy over stored traffic',
    load: async () => (await import('./guardrails.ts')).guardrailsGroup,
  },
  cache: {
    kind: 'group',
    summary: 'The response cache: clear (whole, by model or by team)',
    load: async () => (await import('./cache.ts')).cacheGroup,
  },
  runs: {
    kind: 'group',
    summary: "Agent runs: list, show (a run's timeline of model and tool calls)",
    load: async () => (await import('./runs.ts')).runsGroup,
  },
  approvals: {
    kind: 'group',
    summary: 'Tool calls waiting for approval: list, approve, deny',
    load: async () => (await import('./runs.ts')).approvalsGroup,
  },
  mcp: {
    kind: 'group',
    summary: 'The MCP gateway: tools (pinned definitions), approve-tool',
    load: async () => (await import('./mcp.ts')).mcpGroup,
  },
  usage: {
    kind: 'action',
    summary: 'Spend, tokens and requests by team, key, user, model, provider or tag',
    load: async () => (await import('./logs.ts')).usageAction,
  },
};

export function programHelp(): string {
  const width = Math.max(...Object.keys(entries).map((n) => n.length)) + 4;
  return [
    'Usage: gatehouse <command> [<subcommand>] [options]',
    '',
    'Commands:',
    ...Object.entries(entries).map(([name, e]) => `  ${name.padEnd(width)}${e.summary}`),
    '',
    'Options:',
    '  -h, --help       help for gatehouse, or for any command or subcommand',
    '  -v, --version    print the version',
    '',
    'Run "gatehouse <command> --help" for its subcommands and options.',
  ].join('\n');
}

const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h' || arg === 'help';

/** Runs the command line; returns the exit code (2 for a usage mistake). */
export async function runProgram(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  // `gatehouse help keys create` is `gatehouse keys create --help`.
  if (name === 'help' && rest.length > 0) return runProgram([...rest, '--help']);
  if (name === undefined || isHelp(name)) {
    console.log(programHelp());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    const { readFileSync } = await import('node:fs');
    console.log(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
    return 0;
  }
  let path = '';
  try {
    const entry = entries[name];
    if (!entry && name.startsWith('-'))
      throw new UsageError(
        `"${name}" before a command: options go after it, as in "gatehouse keys list ${name} …".`,
      );
    if (!entry) throw unknown('command', name, Object.keys(entries), 'gatehouse');
    path = name;
    if (entry.kind === 'command') return await runCommand(name, await entry.load(), rest);
    if (entry.kind === 'action') return await runAction(name, await entry.load(), rest);
    const group = await entry.load();
    const [sub, ...args] = rest;
    if (sub === undefined || isHelp(sub)) {
      const out = sub === undefined ? console.error : console.log;
      out(groupHelp(group));
      return sub === undefined ? 2 : 0;
    }
    const action = group.actions.find((a) => a.name === sub);
    if (!action)
      throw unknown(
        'subcommand',
        sub,
        group.actions.map((a) => a.name),
        `gatehouse ${name}`,
      );
    path = `${name} ${sub}`;
    return await runAction(path, action, args);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`gatehouse${path ? ` ${path}` : ''}: ${err.message}`);
      if (!/--help/.test(err.message))
        console.error(`Run "gatehouse${path ? ` ${path}` : ''} --help" for usage.`);
      return 2;
    }
    throw err;
  }
}

/**
 * The whole command line, failures included: a refusal from the gateway prints the API's sentence,
 * anything unexpected one line (its stack only with `--debug` or GATEHOUSE_DEBUG=1). Exit 1.
 */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug') || process.env.GATEHOUSE_DEBUG === '1';
  // Commands that report their own failures (start) read it from the environment.
  if (debug) process.env.GATEHOUSE_DEBUG = '1';
  try {
    return await runProgram(argv.filter((arg) => arg !== '--debug'));
  } catch (err) {
    if (err instanceof AdminError) {
      console.error(`gatehouse: ${err.message}${err.status ? ` (HTTP ${err.status})` : ''}`);
    } else {
      console.error(`gatehouse: ${err instanceof Error ? err.message : String(err)}`);
      if (debug && err instanceof Error) console.error(err.stack);
      else console.error('(run again with --debug for the details)');
    }
    return 1;
  }
}
