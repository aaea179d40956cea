// Runs every *.test.ts under src/ and test/ with Node's own test runner.
// Service tests (PostgreSQL, Redis) skip with a message when the services are absent, unless
// GATEHOUSE_REQUIRE_SERVICES=1 (set by CI), which turns a missing service into a failure.
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';

const filters = process.argv.slice(2);
const files = [...globSync('src/**/*.test.ts'), ...globSync('test/**/*.test.ts')]
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${process.env.GATEHOUSE_TEST_CONCURRENCY ?? 2}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
