// The master key administers everything. Taken from GATEHOUSE_MASTER_KEY; on a single machine
// without one, a key is generated once and kept in a 0600 file beside the SQLite database.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { generateKey } from './crypto.ts';

export interface MasterKey {
  key: string;
  /** Where the generated key is kept, when it did not come from the environment. */
  file?: string;
  generated?: boolean;
}

export function resolveMasterKey(fromEnv: string | undefined, databaseUrl: string): MasterKey {
  if (fromEnv) return { key: fromEnv };
  if (!databaseUrl.startsWith('sqlite:')) {
    throw new Error(
      'GATEHOUSE_MASTER_KEY is not set: with PostgreSQL every replica must share one master key, so set it (for example to the output of `openssl rand -hex 32`).',
    );
  }
  const path = databaseUrl.slice('sqlite:'.length);
  const dir = path === '' || path === ':memory:' ? '.gatehouse' : dirname(path);
  const file = resolve(join(dir, 'master.key'));
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), file };
  mkdirSync(dirname(file), { recursive: true });
  const key = generateKey().replace(/^gh-/, 'gh-master-');
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return { key, file, generated: true };
}
