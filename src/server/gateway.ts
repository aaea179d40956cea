// Starting and stopping a gateway process: providers, pipeline, store and HTTP server wired together.
// Stopping drains: no new requests, in-flight ones (streams included) finish within the grace period.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { GatehouseConfig } from '../config/schema.ts';
import { Pipeline, type StageSlots } from '../pipeline/index.ts';
import { HttpClient } from '../providers/index.ts';
import { Governor, type LimitRule } from '../governance/admission.ts';
import { Authenticator } from '../governance/authenticate.ts';
import { createMemoryCounterStore, createRedisCounterStore } from '../governance/counters/index.ts';
import { SecretBox } from '../governance/crypto.ts';
import { webhookNotifier } from '../governance/notify.ts';
import { SecretStore } from '../governance/secrets.ts';
import { PriceBook } from '../governance/pricing/index.ts';
import { resolveMasterKey } from '../governance/master-key.ts';
import { defaultDatabaseUrl, openDatabase } from '../store/index.ts';
import { createRequestHandler } from './app.ts';
import { readJsonBody } from './body.ts';
import { EventLoopLag } from './load-monitor.ts';
import { Lifecycle } from '../core/lifecycle/index.ts';
import { createAlerts } from '../telemetry/alerts.ts';
import { subscribeTelemetry } from '../telemetry/subscribe.ts';
import { GatewayMetrics } from '../telemetry/metrics.ts';
import { EventStores } from '../telemetry/event-stores.ts';
import { ResponseStore } from '../store/responses.ts';
import { TargetResolver } from '../routing/index.ts';
import { ProviderRegistry } from './provider-registry.ts';

export interface GatewayOptions {
  config: GatehouseConfig;
  databaseUrl?: string;
  /** Where request events wait when the store is down (GATEHOUSE_SPILL_DIR; default beside the SQLite file, or ./.gatehouse/spill). */
  spillDir?: string;
  /** GATEHOUSE_ENCRYPTION_KEY: seals provider secrets; the master key when not set. */
  encryptionKey?: string;
  /** GATEHOUSE_REDIS_URL: shared counters, so limits and budgets hold across replicas. */
  redisUrl?: string;
  /** GATEHOUSE_MASTER_KEY; without it (SQLite only) one is generated into a file beside the database. */
  masterKey?: string;
  /** Overrides config.server.port (0 picks a free port). */
  port?: number;
  host?: string;
  log?: (line: string) => void;
  /** Stages plugged into the pipeline's slots (guard input, cache, guard output): docs/pipeline.md. */
  stages?: StageSlots;
}

export interface Gateway {
  /** e.g. http://127.0.0.1:4000 */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly server: Server;
  /** Stops accepting, lets in-flight requests finish for up to graceMs, then closes everything. */
  stop(graceMs?: number): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  const http = new HttpClient();
  const databaseUrl = options.databaseUrl ?? defaultDatabaseUrl;
  const master = resolveMasterKey(options.masterKey, databaseUrl);
  if (master.generated) {
    log(
      `Generated a master key in ${master.file} (readable by this user only); send it as "Authorization: Bearer <key>".`,
    );
  } else if (master.file) {
    log(`Master key: ${master.file}`);
  }
  const openOptions =
    config.server.sqlite_checkpoints === 'background' ? { backgroundCheckpoints: { log } } : {};
  const database = await openDatabase(databaseUrl, openOptions);
  const auth = new Authenticator(database.db, master.key);
  const secrets = new SecretStore(database.db, new SecretBox(options.encryptionKey ?? master.key));
  const providers = new ProviderRegistry(config.providers, { http }, secrets);
  for (const name of await providers.load()) {
    log(
      `WARNING: the secret "${name}" used in the configuration is not stored; add it with PUT /admin/secrets/${name}.`,
    );
  }
  providers.startPolling(5_000, log);
  const counters = options.redisUrl
    ? await createRedisCounterStore(options.redisUrl)
    : createMemoryCounterStore();
  const governor = new Governor({
    counters,
    db: database.db,
    timeZone: config.governance.timezone,
    notify: webhookNotifier(config.governance.webhook_url, log),
  });
  const pipeline = new Pipeline(
    config,
    providers,
    {
      governor,
      prices: new PriceBook(config.prices),
      modelLimits: modelLimits(config),
    },
    options.stages,
  );
  const host = options.host ?? config.server.host ?? '0.0.0.0';

  let draining = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const spillDir = options.spillDir ?? defaultSpillDir(databaseUrl);
  const events = await EventStores.open({
    database,
    regions: config.regions,
    openOptions,
    spillDir,
    logging: config.logging,
    log,
  });
  events.startRetention();
  const alerts = createAlerts(config, log, (hours) => events.spendHistory(hours));
  const metrics = new GatewayMetrics();
  metrics.watchRecorder(events);
  const otlpEndpoint =
    config.telemetry.otlp_endpoint ?? (process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined);
  // The OpenTelemetry SDK is loaded only when traces are exported: it is memory a gateway without
  // a collector should not carry.
  const tracing = otlpEndpoint
    ? (await import('../telemetry/tracing.ts')).Tracing.create({
        endpoint: otlpEndpoint,
        serviceName: config.telemetry.service_name,
        sampleRatio: config.telemetry.sample_ratio,
        log,
        ...(config.telemetry.otlp_headers ? { headers: config.telemetry.otlp_headers } : {}),
      })
    : undefined;
  const lifecycle = new Lifecycle();
  const unsubscribeTelemetry = subscribeTelemetry(lifecycle, {
    metrics,
    requestLog: events,
    ...(tracing ? { tracing } : {}),
    ...(alerts ? { alerts } : {}),
  });
  const lag = new EventLoopLag();
  const lagLimit = config.server.max_event_loop_lag_ms;
  const handler = createRequestHandler({
    pipeline,
    auth,
    database,
    responses: new ResponseStore((region) => events.database(region)),
    targets: new TargetResolver(config, providers),
    metrics,
    lifecycle,
    admin: {
      db: database.db,
      auth,
      timeZone: config.governance.timezone,
      secrets,
      providers,
      readJson: readJsonBody,
      events,
      governor,
      regions: Object.keys(config.regions),
    },
    limits: { maxBytes: config.server.max_body_bytes, maxDepth: config.server.max_json_depth },
    maxInFlight: config.server.max_in_flight,
    isOverloaded: () => lagLimit > 0 && lag.lagMs > lagLimit,
    isDraining: () => draining,
  });
  const server = createServer({ maxHeaderSize: 32 * 1024, keepAliveTimeout: 65_000 }, (req, res) => {
    // Counted until the handler has finished, so that the request's record has been taken.
    inFlight++;
    void handler(req, res).finally(() => {
      if (--inFlight === 0) idle?.();
    });
  });
  server.listen(options.port ?? config.server.port, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;

  let stopping: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    host,
    server,
    stop(graceMs = config.server.shutdown_grace_ms) {
      stopping ??= (async () => {
        draining = true;
        server.close();
        server.closeIdleConnections();
        const drain = async (ms: number) => {
          if (inFlight === 0) return;
          const drained = new Promise<void>((resolve) => {
            idle = resolve;
          });
          await Promise.race([drained, new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]);
        };
        await drain(graceMs);
        server.closeAllConnections();
        await drain(2_000); // requests cut off by the grace period still leave their record
        unsubscribeTelemetry();
        lag.stop();
        await events.stop();
        await governor.close();
        await tracing?.shutdown();
        await http.close();
        providers.stop();
        await counters.close();
        await database.close();
      })();
      return stopping;
    },
  };
}

function modelLimits(config: GatehouseConfig): Map<string, LimitRule> {
  const limits = new Map<string, LimitRule>();
  for (const [name, model] of Object.entries(config.models)) {
    if (model.limits) limits.set(name, { scope: 'model', id: name, name, ...model.limits });
  }
  return limits;
}

function defaultSpillDir(databaseUrl: string): string {
  const path = databaseUrl.startsWith('sqlite:') ? databaseUrl.slice('sqlite:'.length) : '';
  return path === '' || path === ':memory:' ? join('.gatehouse', 'spill') : join(dirname(path), 'spill');
}
