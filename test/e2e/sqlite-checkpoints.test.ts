// server.sqlite_checkpoints: where a file-backed SQLite store's write-ahead log is copied back into
// the database file. The gateway's own migrations fill the log with some hundred KB at start.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { mockOnlyConfig, startTestGateway } from '../helpers/gateway.ts';
import { until } from '../helpers/until.ts';

async function databaseFileAfter(mode: string, ms: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-checkpoints-'));
  const file = join(dir, 'gatehouse.db');
  const gateway = await startTestGateway(
    { ...mockOnlyConfig, server: { sqlite_checkpoints: mode } },
    { databaseUrl: `sqlite:${file}`, spillDir: dir },
  );
  try {
    await until(() => statSync(file).size >= 100_000, ms);
    return statSync(file).size;
  } finally {
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('background: the log reaches the database file while the gateway serves', async () => {
  assert.ok((await databaseFileAfter('background', 5_000)) >= 100_000);
});

test('on_commit (the default): under 1,000 pages the log stays in the WAL', async () => {
  assert.ok((await databaseFileAfter('on_commit', 1_500)) < 100_000);
});
