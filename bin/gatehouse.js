#!/usr/bin/env node
// Runs the compiled CLI from an installed package, or the TypeScript sources in a checkout
// (Node 24 strips erasable types itself).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
await import(existsSync(compiled) ? compiled.href : new URL('../src/cli/main.ts', import.meta.url).href);
