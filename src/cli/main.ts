#!/usr/bin/env node
// The `gatehouse` command. Each subcommand is a thin layer over the same services the server uses.
import { type Command, runCommand } from './command.ts';

// Loaded on demand so that quick commands do not pay for starting the server's modules.
const commands: Record<string, () => Promise<Command>> = {
  start: async () => (await import('./start.ts')).startCommand,
  init: async () => (await import('./init.ts')).initCommand,
  config: async () => (await import('./config.ts')).configCommand,
  keys: async () => (await import('./governance.ts')).keysCommand,
  teams: async () => (await import('./governance.ts')).teamsCommand,
  users: async () => (await import('./governance.ts')).usersCommand,
  audit: async () => (await import('./governance.ts')).auditCommand,
  secrets: async () => (await import('./governance.ts')).secretsCommand,
  logs: async () => (await import('./logs.ts')).logsCommand,
  usage: async () => (await import('./logs.ts')).usageCommand,
};

const usage = `Usage: gatehouse <command> [options]

Commands:
  start            Start the gateway (default port 4000)
  init             Write a starter gatehouse.yaml (from flags, or by asking)
  config check     Validate a configuration file without starting
  config schema    Print the JSON Schema of gatehouse.yaml
  keys             Create, list, revoke and rotate virtual keys
  teams, users     Manage teams and users
  secrets          Store provider credentials (sealed at rest)
  audit            Verify or list the audit log
  logs tail        Follow the request log live
  usage            Spend, tokens and requests by team, key, user, model, provider or tag

Run "gatehouse <command> --help" for a command's options.`;

const [name, ...rest] = process.argv.slice(2);
if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
  console.log(usage);
} else if (name === '--version' || name === '-v') {
  const { readFileSync } = await import('node:fs');
  console.log(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
} else if (commands[name]) {
  process.exitCode = await runCommand(await commands[name](), rest);
} else {
  console.error(`gatehouse: unknown command "${name}"\n\n${usage}`);
  process.exitCode = 2;
}
