// The dependency check (`npm run deps`, part of `npm test`) fails on a wrong-way import: each case
// below is a small tree written to a temporary directory, one deliberate violation per rule, cruised
// with the project's own configuration exactly as `npm run deps` cruises src/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '..');

/** Runs the check on a tree of files; returns each violation as "rule: from". */
function violations(files: Record<string, string>): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-layers-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { allowImportingTsExtensions: true } }),
    );
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        join(root, 'scripts/deps-typescript.ts'),
        join(root, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs'),
        'src',
        '--config',
        join(root, '.dependency-cruiser.mjs'),
        '--output-type',
        'json',
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    assert.ok(run.stdout, run.stderr);
    const result = JSON.parse(run.stdout) as {
      summary: { violations: Array<{ rule: { name: string }; from: string }> };
    };
    return result.summary.violations.map((v) => `${v.rule.name}: ${v.from}`).sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a tree that keeps the layers passes', () => {
  assert.deepEqual(
    violations({
      'src/core/ir.ts': 'export type Request = { model: string };',
      'src/providers/one/call.ts':
        "import type { Request } from '../../core/ir.ts';\nexport type R = Request;",
      'src/pipeline/run.ts': "import type { R } from '../providers/one/call.ts';\nexport type P = R;",
      'src/server/app.ts': "import type { P } from '../pipeline/run.ts';\nexport type S = P;",
    }),
    [],
  );
});

test('each wrong-way import fails the check, named by its rule', () => {
  assert.deepEqual(
    violations({
      // core imports nothing of ours
      'src/core/ir.ts': "import { app } from '../server/app.ts';\nexport const ir = app;",
      'src/server/app.ts': 'export const app = 1;',
      // a provider never imports another provider
      'src/providers/one/call.ts': "import { two } from '../two/call.ts';\nexport const one = two;",
      'src/providers/two/call.ts': 'export const two = 2;',
      // the pipeline answers, the server writes: no import of server/ (a type import counts)
      'src/pipeline/run.ts': "import type { Out } from '../server/out.ts';\nexport type Run = Out;",
      'src/server/out.ts': 'export type Out = string;',
      // surfaces share with providers through core only
      'src/api/openai/stream.ts': "import { two } from '../../providers/two/call.ts';\nexport const s = two;",
      // telemetry subscribes; it does not reach into the pipeline
      'src/telemetry/metrics.ts': "import type { Run } from '../pipeline/run.ts';\nexport type M = Run;",
      // two folders that need each other, with no module cycle
      'src/alpha/a.ts': "import { b } from '../beta/b.ts';\nexport const a = b;",
      'src/beta/b.ts': 'export const b = 1;',
      'src/beta/c.ts': "import { a } from '../alpha/a.ts';\nexport const c = a;",
      // governance is reached through its door (index.ts), not its rooms
      'src/pipeline/admit.ts': "import { rule } from '../governance/limits.ts';\nexport const admit = rule;",
      'src/governance/limits.ts': 'export const rule = 1;',
      'src/governance/index.ts': "export { rule } from './limits.ts';",
      'src/pipeline/door.ts': "import { rule } from '../governance/index.ts';\nexport const door = rule;",
      // two modules that need each other
      'src/store/x.ts': "import { y } from './y.ts';\nexport const x = () => y;",
      'src/store/y.ts': "import { x } from './x.ts';\nexport const y = () => x;",
    }),
    [
      'core-imports-nothing-of-ours: src/core/ir.ts',
      'governance-and-telemetry-through-their-doors: src/pipeline/admit.ts',
      'no-cycles: src/store/x.ts',
      'no-folder-cycles: src/alpha',
      'no-folder-cycles: src/beta',
      'no-provider-imports-another: src/providers/one/call.ts',
      'pipeline-answers-server-writes: src/pipeline/run.ts',
      'surfaces-import-only-core: src/api/openai/stream.ts',
      'telemetry-subscribes: src/telemetry/metrics.ts',
    ],
  );
});
