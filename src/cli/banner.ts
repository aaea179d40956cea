// The lines `gatehouse start` prints once it listens: what it serves, from where, and with what.
// Each names the real thing (the address bound, the store, Redis, the config file) and carries the
// same facts as fields for a JSON log.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { GatehouseConfig } from '../config/index.ts';
import type { Gateway } from '../server/index.ts';

export interface BannerLine {
  text: string;
  fields: Record<string, unknown>;
}

/** The package's version, from the nearest package.json named gatehouse above this file (src/, dist/ or a bench build). */
function packageVersion(): string {
  for (let dir = new URL('./', import.meta.url); dir.pathname !== '/'; dir = new URL('../', dir)) {
    try {
      const found = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (found.name === 'gatehouse' && found.version) return found.version;
    } catch {
      // No package.json here: look one folder up.
    }
  }
  return 'unknown';
}
const version = packageVersion();

export function banner(gateway: Gateway, config: GatehouseConfig, file: string | undefined): BannerLine[] {
  const bound = gateway.server.address() as AddressInfo;
  const wildcard = bound.address === '0.0.0.0' || bound.address === '::';
  const reach = wildcard
    ? `every interface of this machine, port ${bound.port}; locally ${gateway.url}`
    : 'this machine only; --host 0.0.0.0 serves other machines';
  const models = Object.keys(config.models);
  const providers = Object.keys(config.providers);
  const counts = `${plural(providers.length, 'provider')}, ${plural(models.length, 'model')}`;
  const { store, redis, masterKey } = gateway.described;
  const lines: BannerLine[] = [
    {
      text: `Config: ${file ?? 'built-in defaults (the offline mock provider)'} (${counts}${models.length > 0 ? `: ${models.join(', ')}` : ''})`,
      fields: { event: 'config', config_file: file ?? null, providers, models },
    },
    { text: `Store: ${store}`, fields: { event: 'store', store } },
    {
      text: `Redis: ${redis ?? 'not configured (limits and budgets are counted in this process)'}`,
      fields: { event: 'redis', redis: redis ?? null },
    },
  ];
  if (masterKey.generated) {
    lines.push({
      text: `Generated a master key in ${masterKey.file} (readable by you only); send it as "Authorization: Bearer <key>".`,
      fields: { event: 'master_key_generated', master_key_file: masterKey.file },
    });
  } else {
    const where = masterKey.file ?? 'the GATEHOUSE_MASTER_KEY environment variable';
    lines.push({
      text: `Master key: in ${where}`,
      fields: { event: 'master_key', master_key_file: masterKey.file ?? null },
    });
  }
  lines.push({
    text: `Console: ${gateway.url}/ui (sign in with the master key); the admin API is at ${gateway.url}/admin/ (described at /admin/openapi.json)`,
    fields: { event: 'console', console_url: `${gateway.url}/ui`, admin_url: `${gateway.url}/admin/` },
  });
  // Last, so that whoever waits for this line (a person, a script, a test) has read the others.
  lines.push({
    text: `Gatehouse ${version} listening on ${wildcard ? `http://${hostText(bound.address)}:${bound.port}` : gateway.url} (${reach})`,
    fields: { event: 'listening', version, address: bound.address, port: bound.port, url: gateway.url },
  });
  return lines;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const hostText = (address: string) => (address.includes(':') ? `[${address}]` : address);
