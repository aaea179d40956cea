#!/usr/bin/env node
// The `gatehouse` command. Each subcommand is a thin layer over the admin API or the server's services.
import { AdminError } from './admin-client.ts';
import { runProgram } from './program.ts';

// --debug (anywhere) or GATEHOUSE_DEBUG=1 shows the stack of an unexpected failure.
const argv = process.argv.slice(2);
const debug = argv.includes('--debug') || process.env.GATEHOUSE_DEBUG === '1';
try {
  process.exitCode = await runProgram(argv.filter((arg) => arg !== '--debug'));
} catch (err) {
  if (err instanceof AdminError) {
    console.error(`gatehouse: ${err.message}${err.status ? ` (HTTP ${err.status})` : ''}`);
  } else {
    console.error(`gatehouse: ${err instanceof Error ? err.message : String(err)}`);
    if (debug && err instanceof Error) console.error(err.stack);
    else console.error('(run again with --debug for the details)');
  }
  process.exitCode = 1;
}
