import { ConfigError, loadConfig } from '../config/index.ts';
import { startGateway } from '../server/index.ts';
import type { Command } from './command.ts';

export const startCommand: Command = {
  usage: `Usage: gatehouse start [--config FILE] [--port N] [--host ADDRESS]

Starts the gateway. With no configuration it runs on the embedded default: a SQLite store under
./.gatehouse/ and the offline "mock" provider (models mock-fast, mock-smart, mock-embed).

Options:
  -c, --config FILE   gatehouse.yaml to load (default: $GATEHOUSE_CONFIG, else the embedded default)
  -p, --port N        port to listen on (default: $GATEHOUSE_PORT, else server.port, else 4000)
      --host ADDRESS  address to listen on (default 0.0.0.0)

Environment:
  GATEHOUSE_MASTER_KEY    the administrator's key; without it (SQLite only) one is generated into
                          master.key beside the database and its path is printed
  GATEHOUSE_DATABASE_URL  sqlite:<path> (default sqlite:./.gatehouse/gatehouse.db) or postgres://…
  GATEHOUSE_REDIS_URL     redis://… to share rate-limit and budget counters across replicas
  GATEHOUSE_ENCRYPTION_KEY  seals stored provider secrets (default: derived from the master key)

SIGTERM or SIGINT stops accepting requests, lets in-flight ones finish (server.shutdown_grace_ms), exits 0.`,
  options: {
    config: { type: 'string', short: 'c' },
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
  },
  async run(values) {
    const file = (values.config as string | undefined) ?? process.env.GATEHOUSE_CONFIG;
    let config: ReturnType<typeof loadConfig>;
    try {
      config = loadConfig(file || undefined);
    } catch (err) {
      if (err instanceof ConfigError) {
        console.error(err.message);
        return 1;
      }
      throw err;
    }
    const portText = (values.port as string | undefined) ?? process.env.GATEHOUSE_PORT;
    const port = portText === undefined || portText === '' ? undefined : Number(portText);
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
      console.error(`gatehouse: --port must be a number from 0 to 65535, not "${portText}"`);
      return 2;
    }
    const gateway = await startGateway({
      config,
      masterKey: process.env.GATEHOUSE_MASTER_KEY || undefined,
      databaseUrl: process.env.GATEHOUSE_DATABASE_URL || undefined,
      redisUrl: process.env.GATEHOUSE_REDIS_URL || undefined,
      encryptionKey: process.env.GATEHOUSE_ENCRYPTION_KEY || undefined,
      spillDir: process.env.GATEHOUSE_SPILL_DIR || undefined,
      port,
      host: values.host as string | undefined,
    });
    const models = Object.keys(config.models);
    console.log(
      `Gatehouse listening on ${gateway.url} (${file ? `config ${file}` : 'embedded default config'})`,
    );
    console.log(
      `Models: ${models.length > 0 ? models.join(', ') : '(none configured; provider/model names work directly)'}`,
    );
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        console.log(`${signal} received: finishing in-flight requests, then exiting.`);
        void gateway.stop().then(resolve);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    return 0;
  },
};
