// Starts a real gateway on an ephemeral port for a test, with an in-memory SQLite store.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/index.ts';
import type { ToolCallHook } from '../../src/mcp/index.ts';
import type { StageSlots } from '../../src/pipeline/index.ts';
import { type Gateway, startGateway } from '../../src/server/index.ts';

export const testMasterKey = 'gh-test-master-key';

export async function startTestGateway(
  config: Record<string, unknown>,
  options: {
    databaseUrl?: string;
    log?: (line: string) => void;
    spillDir?: string;
    stages?: StageSlots;
    redisUrl?: string;
    /** The configuration's source of truth (docs/config-reload.md); the default is the file. */
    configSource?: 'file' | 'database';
    /** A file the configuration was read from, watched for changes. */
    configFile?: string;
    mcpHooks?: ToolCallHook[];
  } = {},
): Promise<Gateway> {
  return startGateway({
    config: parseConfig(config, 'test config', {}),
    configText: stringify(config),
    ...(options.configSource ? { configSource: options.configSource } : {}),
    ...(options.configFile ? { configFile: options.configFile } : {}),
    masterKey: testMasterKey,
    databaseUrl: options.databaseUrl ?? 'sqlite::memory:',
    port: 0,
    host: '127.0.0.1',
    log: options.log ?? (() => {}),
    spillDir: options.spillDir ?? mkdtempSync(join(tmpdir(), 'gatehouse-spill-')),
    ...(options.stages ? { stages: options.stages } : {}),
    ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
    ...(options.mcpHooks ? { mcpHooks: options.mcpHooks } : {}),
  });
}

/** The mock provider alone, as the embedded default configures it. */
export const mockOnlyConfig = {
  providers: { mock: { type: 'mock' } },
  models: {
    'mock-fast': { targets: [{ provider: 'mock', model: 'mock-fast' }] },
    'mock-smart': { targets: [{ provider: 'mock', model: 'mock-smart' }] },
    'mock-embed': { targets: [{ provider: 'mock', model: 'mock-embed' }] },
  },
};
