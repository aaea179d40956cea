import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Stage } from './stage.ts';
import { pipelineStages, type StageDeps } from './stages.ts';

const slot = (name: string): Stage => ({ name, run: (_ex, next) => next() });

test('docs/pipeline.md lists the stages in the order stages.ts runs them', () => {
  const names = pipelineStages({} as StageDeps, {
    guardInput: [slot('[guard input]')],
    cache: [slot('[cache]')],
    guardOutput: [slot('[guard output]')],
  }).map((stage) => stage.name);
  const docs = readFileSync(new URL('../../docs/pipeline.md', import.meta.url), 'utf8');
  const listed = [...docs.matchAll(/^\| \d+ \| `([^`]+)` \|/gm)].map((match) => match[1]);
  assert.deepEqual(listed, names);
  assert.deepEqual(names, [
    'record',
    'authorise',
    'admit',
    'run',
    '[guard input]',
    '[cache]',
    '[guard output]',
    'call',
  ]);
});
