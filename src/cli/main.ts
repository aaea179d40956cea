#!/usr/bin/env node
// The `gatehouse` command. Each subcommand is a thin layer over the admin API or the server's services.
import { main } from './program.ts';

process.exitCode = await main(process.argv.slice(2));
