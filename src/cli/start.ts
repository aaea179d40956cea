import { ConfigError, configWarnings, loadConfig } from '../config/index.ts';
import { type Gateway, StartupError, startGateway } from '../server/index.ts';
import { createLogger, type Logger, parseLogFormat, parseLogLevel } from '../telemetry/index.ts';
import { banner } from './banner.ts';
import type { Command } from './command.ts';

export const startCommand: Command = {
  usage: `Usage: gatehouse start [--config FILE] [--port N] [--host ADDRESS] [--debug]

Starts the gateway. With no configuration it runs on the embedded default: a SQLite store under
./.gatehouse/ and the offline "mock" provider (models mock-fast, mock-smart, mock-embed).

Options:
  -c, --config FILE   gatehouse.yaml to load (default: $GATEHOUSE_CONFIG, else the embedded default)
  -p, --port N        port to listen on (default: $GATEHOUSE_PORT, else server.port, else 4000)
      --host ADDRESS  address to listen on (default: $GATEHOUSE_HOST, else server.host, else
                      127.0.0.1: this machine only; 0.0.0.0 to serve other machines or a container's port)
      --debug         on a start-up failure, print the stack trace too

Environment:
  GATEHOUSE_MASTER_KEY    the administrator's key; without it (SQLite only) one is generated into
                          master.key beside the database and its path is printed
  GATEHOUSE_DATABASE_URL  sqlite:<path> (default sqlite:./.gatehouse/gatehouse.db) or postgres://…
  GATEHOUSE_REDIS_URL     redis://… to share rate-limit and budget counters across replicas
  GATEHOUSE_ENCRYPTION_KEY  seals stored provider secrets (default: derived from the master key)
  GATEHOUSE_LOG_LEVEL     trace, debug, info (default), warn, error, fatal or silent
  GATEHOUSE_LOG_FORMAT    json or pretty (default: pretty in a terminal, JSON lines otherwise)
  GATEHOUSE_ACCESS_LOG    1 for one log line per request (default: server.access_log, off)
  GATEHOUSE_CONFIG_SOURCE file (default) or database: where the configuration lives
                          (overrides reload.source; docs/config-reload.md)

The configuration file is watched: a valid new version serves new requests at once, an invalid
one is refused (the same messages as config check) and the running version stays. SIGHUP
reloads it too. SIGTERM or SIGINT stops accepting requests, lets in-flight ones finish
(server.shutdown_grace_ms) and exits 0; a second signal exits at once.`,
  options: {
    config: { type: 'string', short: 'c' },
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    debug: { type: 'boolean' },
  },
  async run(values) {
    try {
      return await serve(values);
    } catch (err) {
      return startupFailed(err, values.debug === true || process.env.GATEHOUSE_DEBUG === '1');
    }
  },
};

async function serve(values: Record<string, string | boolean | undefined>): Promise<number> {
  const env = process.env;
  const logger = createLogger({
    level: parseLogLevel(env.GATEHOUSE_LOG_LEVEL),
    format: parseLogFormat(env.GATEHOUSE_LOG_FORMAT, process.stdout.isTTY === true),
  });
  const file = (values.config as string | undefined) || env.GATEHOUSE_CONFIG || undefined;
  const config = loadConfig(file);
  for (const warning of configWarnings(config, file ?? 'the default configuration')) logger.warn(warning);
  const portText = (values.port as string | undefined) ?? env.GATEHOUSE_PORT;
  const port = portText === undefined || portText === '' ? undefined : Number(portText);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535))
    throw new StartupError(`--port must be a whole number from 0 to 65535; it was "${portText}".`, {
      exitCode: 2,
    });
  const accessLog = env.GATEHOUSE_ACCESS_LOG;
  const source = env.GATEHOUSE_CONFIG_SOURCE || undefined;
  if (source !== undefined && source !== 'file' && source !== 'database')
    throw new StartupError(`GATEHOUSE_CONFIG_SOURCE must be file or database; it was "${source}".`, {
      exitCode: 2,
    });
  const gateway = await startGateway({
    config,
    ...(file ? { configFile: file } : {}),
    ...(source ? { configSource: source } : {}),
    logger,
    masterKey: env.GATEHOUSE_MASTER_KEY || undefined,
    databaseUrl: env.GATEHOUSE_DATABASE_URL || undefined,
    redisUrl: env.GATEHOUSE_REDIS_URL || undefined,
    encryptionKey: env.GATEHOUSE_ENCRYPTION_KEY || undefined,
    spillDir: env.GATEHOUSE_SPILL_DIR || undefined,
    port,
    host: (values.host as string | undefined) || env.GATEHOUSE_HOST || undefined,
    ...(accessLog ? { accessLog: /^(1|true|yes|on)$/i.test(accessLog) } : {}),
  });
  // The signal handlers go in before the banner says the gateway listens: a SIGTERM sent on reading
  // it must find them, or the default action ends the process without a graceful stop.
  const stopped = stopOnSignal(gateway, logger);
  for (const line of banner(gateway, config, file)) logger.info(line.fields, line.text);
  await stopped;
  return 0;
}

/**
 * Resolves once the gateway has stopped. SIGHUP reloads the configuration instead. Under npm or
 * npx a shell sits between npm and this process and dies of npm's SIGTERM without passing it on:
 * there, being orphaned (a new parent) also stops the gateway, so `kill <npm>` leaves none running.
 */
function stopOnSignal(gateway: Gateway, logger: Logger): Promise<void> {
  return new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (reason: string) => {
      if (stopping) {
        logger.warn(`${reason} again: exiting without waiting for in-flight requests.`);
        process.exit(1);
      }
      stopping = true;
      clearInterval(orphanWatch);
      logger.info({ event: 'stop', reason }, `${reason}: finishing in-flight requests, then exiting.`);
      void gateway.stop().then(() => {
        logger.info({ event: 'stopped' }, 'Gatehouse stopped.');
        resolve();
      });
    };
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop(`${signal} received`));
    // The outcome (applied, refused with the reasons, unchanged) is logged by the reload itself.
    process.on('SIGHUP', () => {
      logger.info({ event: 'reload' }, 'SIGHUP received: reloading the configuration.');
      void gateway
        .reload()
        .catch((err: unknown) => logger.error(`Reloading failed: ${(err as Error).message}`));
    });
    const parent = process.ppid;
    const orphanWatch = setInterval(() => {
      if (process.ppid !== parent) stop(`The parent process (${parent}) ended`);
    }, 500);
    orphanWatch.unref();
    if (process.env.npm_lifecycle_event === undefined) clearInterval(orphanWatch);
  });
}

/** One sentence and an exit code; the stack only with --debug. */
function startupFailed(err: unknown, debug: boolean): number {
  const exitCode = err instanceof StartupError ? err.exitCode : 1;
  if (err instanceof ConfigError || err instanceof StartupError) {
    console.error(`gatehouse: ${err.message}`);
  } else {
    const message = (err as Error)?.message ?? String(err);
    console.error(`gatehouse: could not start: ${message.replace(/\.$/, '')}.`);
  }
  if (debug) {
    let cause: unknown = err;
    while (cause instanceof Error) {
      console.error(cause.stack);
      cause = cause.cause;
    }
  } else if (!(err instanceof ConfigError)) console.error('(run with --debug for the details)');
  // A failed start may leave connections retrying in the background: they must not hold the exit.
  process.exit(exitCode);
}
