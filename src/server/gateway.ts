// Starting and stopping a gateway process: providers, pipeline, store and HTTP server wired together.
// Stopping drains: no new requests, in-flight ones (streams included) finish within the grace period.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { Gauge } from 'prom-client';
import { stringify } from 'yaml';
import { Approvals, approvalHook } from '../approvals/index.ts';
import { createResponseCache, type ResponseCache } from '../cache/index.ts';
import { semanticFromConfig, watchCalibration } from '../cache/semantic/index.ts';
import type { GatehouseConfig } from '../config/schema.ts';
import { driftFromConfig } from '../drift/index.ts';
import { GatehouseError } from '../core/errors/index.ts';
import { Lifecycle } from '../core/lifecycle/index.ts';
import {
  Authenticator,
  createMemoryCounterStore,
  createRedisCounterStore,
  Governor,
  OidcIssuers,
  PriceBook,
  resolveMasterKey,
  SecretBox,
  SecretStore,
  SessionStore,
  webhookNotifier,
} from '../governance/index.ts';
import { guardrailToolHook, toolContentChecker } from '../guardrails/index.ts';
import { McpGateway, type ToolCallHook } from '../mcp/index.ts';
import { InternalCaller, type InternalCalls, type StageSlots } from '../pipeline/index.ts';
import { HttpClient } from '../providers/index.ts';
import { QualityLoop } from '../quality/online.ts';
import { RoutingState, SharedBreakers } from '../routing/index.ts';
import {
  createMemoryRunStore,
  createRedisRunStore,
  RunGuard,
  recordToolCallRuns,
  runHook,
} from '../runs/index.ts';
import { defaultDatabaseUrl, openDatabase } from '../store/index.ts';
import { ResponseStore } from '../store/responses.ts';
import {
  createAlerts,
  recordAlertEvent,
  createLogger,
  EventStores,
  GatewayMetrics,
  type Logger,
  logGatewayEvents,
  loggerFromLines,
  subscribeTelemetry,
  watchTargets,
} from '../telemetry/index.ts';
import { createRequestHandler } from './app.ts';
import { BodyBuffer, bodyAbandoned, readJsonBody } from './body.ts';
import { createClientErrorHandler, type Exchanges } from './client-errors.ts';
import { buildRuntime } from './config-runtime.ts';
import { ConfigVersions, initialVersion } from './config-versions.ts';
import { KeyShares } from './key-shares.ts';
import { LiveConfig, type ReloadOutcome, type SourceOfTruth } from './live-config.ts';
import { EventLoopLag } from './load-monitor.ts';
import { describeRedis, describeStore, listenFailure, probeService, startupStep } from './startup.ts';

export interface GatewayOptions {
  config: GatehouseConfig;
  /** The file `config` was read from: watched and reloaded (docs/config-reload.md). */
  configFile?: string;
  /** The text `config` was parsed from, for the version history (default: the file's, else `config` as YAML). */
  configText?: string;
  /** GATEHOUSE_CONFIG_SOURCE: overrides config.reload.source. */
  configSource?: SourceOfTruth;
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
  /** Listen address (default config.server.host, else 127.0.0.1: reachable from this machine only). */
  host?: string;
  /** The gateway's log; without it, `log` receives each entry as a line (tests), else stdout. */
  logger?: Logger;
  log?: (line: string) => void;
  /** Stages plugged into the pipeline's slots (guard input, cache, guard output): docs/pipeline.md. */
  stages?: StageSlots;
  /** Hooks on every MCP tool call, after the gateway's own (per-tool rate limits): docs/mcp.md. */
  mcpHooks?: ToolCallHook[];
  /** One log line per answered request (GATEHOUSE_ACCESS_LOG; default config.server.access_log). */
  accessLog?: boolean;
}

export interface Gateway {
  /** e.g. http://127.0.0.1:4000 */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly server: Server;
  /** What the banner names: the store and Redis without credentials, and where the master key is. */
  readonly described: { store: string; redis?: string; masterKey: { file?: string; generated?: boolean } };
  /** The gateway's own model calls, through its pipeline and on the record (pipeline/internal.ts). */
  readonly calls: InternalCalls;
  /** Online evaluators: their counters, and a wait for the queue to empty. */
  readonly quality: QualityLoop;
  /** The configuration it serves, and its changes without a restart. */
  readonly config: LiveConfig;
  /** Reads the configuration file again (what SIGHUP does); with the database as the source, polls it. */
  reload(): Promise<ReloadOutcome>;
  /** Stops accepting, lets in-flight requests finish for up to graceMs, then closes everything. */
  stop(graceMs?: number): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  // Until the store is open, the configuration given; then the version the gateway starts on,
  // which with the database as the source may be the database's.
  const given = options.config;
  const logger = options.logger ?? (options.log ? loggerFromLines(options.log) : createLogger());
  const log = (line: string) => logger.info(line);
  const http = new HttpClient();
  const databaseUrl = options.databaseUrl ?? defaultDatabaseUrl;
  const store = describeStore(databaseUrl);
  const master = await startupStep('', () => resolveMasterKey(options.masterKey, databaseUrl));
  const openOptions =
    given.server.sqlite_checkpoints === 'background'
      ? { backgroundCheckpoints: { log: (line: string) => logger.warn(line) } }
      : {};
  const database = await startupStep(`Cannot open the store (${store})`, () =>
    openDatabase(databaseUrl, openOptions),
  );
  const versions = new ConfigVersions(database.db);
  const sourceOfTruth = options.configSource ?? given.reload.source;
  const initial = await startupStep(`Cannot read the configuration versions (${store})`, () =>
    initialVersion(
      versions,
      sourceOfTruth,
      {
        config: given,
        text:
          options.configText ??
          (options.configFile ? readFileSync(options.configFile, 'utf8') : stringify(given)),
      },
      logger,
    ),
  );
  const { config } = initial;
  const { redis: redisPolicy, store: storePolicy } = config.governance;
  const auth = new Authenticator(database.db, master.key, {
    staleMs: storePolicy.stale_cache_s * 1000,
    timeoutMs: storePolicy.timeout_ms,
  });
  const secrets = new SecretStore(database.db, new SecretBox(options.encryptionKey ?? master.key));
  const sessions = new SessionStore(database.db, config.auth.session_ttl_h);
  // OIDC issuers add nothing to a gateway that configures none: no token check, no sign-in routes.
  const oidc =
    Object.keys(config.auth.oidc).length > 0
      ? new OidcIssuers(database.db, config.auth, master.key)
      : undefined;
  auth.useTokens(oidc?.verifier());
  const counters = options.redisUrl
    ? await startupStep(`Cannot reach ${describeRedis(options.redisUrl)}`, async () => {
        if (/^rediss?:/.test(options.redisUrl!)) await probeService(options.redisUrl!, 6379);
        return createRedisCounterStore(options.redisUrl!, {
          commandTimeoutMs: redisPolicy.command_timeout_ms,
          connectTimeoutMs: redisPolicy.connect_timeout_ms,
          log,
        });
      })
    : createMemoryCounterStore();
  const governor = new Governor({
    counters,
    db: database.db,
    timeZone: config.governance.timezone,
    notify: webhookNotifier(config.governance.webhook_url, (line) => logger.warn(line)),
    options: {
      shared: options.redisUrl !== undefined,
      onFailure: redisPolicy.on_failure,
      replicas: redisPolicy.replicas,
      leaseTtlMs: redisPolicy.lease_ttl_s * 1000,
      reconcileMs: redisPolicy.reconcile_s * 1000,
      storeTimeoutMs: storePolicy.timeout_ms,
      log,
    },
  });
  const runs = new RunGuard(
    options.redisUrl
      ? createRedisRunStore(options.redisUrl, {
          commandTimeoutMs: redisPolicy.command_timeout_ms,
          connectTimeoutMs: redisPolicy.connect_timeout_ms,
        })
      : createMemoryRunStore(),
    { onFailure: redisPolicy.on_failure, log },
  );
  const prices = new PriceBook(config.prices);
  const lifecycle = new Lifecycle();
  const calls = new InternalCaller(lifecycle);
  const quality = new QualityLoop({
    db: database.db,
    lifecycle,
    calls,
    log,
    // The cache's quality gate hears of evaluator scores (the cache is built just below).
    scoresStored: (scores) => cache?.rated(scores),
  });
  // Only with a `cache:` block; the semantic layer only with its `cache.semantic` block. It embeds
  // through `calls`, which reach the pipeline once it is built (calls.attach below).
  const semantic = await semanticFromConfig(config.cache?.semantic, {
    database,
    calls,
    log: (line) => logger.warn(line),
  });
  const cache = createResponseCache(config, {
    semantic,
    database,
    redisUrl: options.redisUrl,
    redis: {
      commandTimeoutMs: redisPolicy.command_timeout_ms,
      connectTimeoutMs: redisPolicy.connect_timeout_ms,
    },
    prices,
    log: (line) => logger.warn(line),
  });
  await cache?.ready(redisPolicy.connect_timeout_ms);
  // Routing state (breakers, latency, in flight) by target identity: outlives a configuration.
  const routing = new RoutingState();
  // With Redis, breakers are shared: a target failing for one replica is skipped by all.
  const sharedBreakers = options.redisUrl
    ? new SharedBreakers(options.redisUrl, routing, {
        syncMs: config.routing.breaker_sync_ms,
        commandTimeoutMs: redisPolicy.command_timeout_ms,
        connectTimeoutMs: redisPolicy.connect_timeout_ms,
        log: (line) => logger.warn(line),
      })
    : undefined;
  await sharedBreakers?.ready();
  const host = options.host ?? config.server.host ?? '127.0.0.1';

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
    log: (line, level = 'info') => logger[level]({ component: 'request-log' }, line),
  });
  events.startRetention();
  const alerts = createAlerts(
    config,
    (line) => logger.warn(line),
    (hours) => events.spendHistory(hours),
    (alert) => recordAlertEvent(database.db, alert),
  );
  const metrics = new GatewayMetrics({
    // Experiments' names are model names callers use too.
    models: [...Object.keys(config.models), ...Object.values(config.experiments).map((e) => e.model)],
  });
  metrics.watchRecorder(events);
  if (semantic) watchCalibration(semantic, metrics.registry);
  watchRouting(routing, metrics);
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
  // The evaluators' counters on /metrics: read when scraped, nothing counted on the request path.
  new Gauge({
    name: 'gatehouse_evaluations',
    help: 'Online evaluations since start, by outcome: sampled, queued, dropped (queue full), evaluated, errors, judge_skipped_budget.',
    labelNames: ['outcome'],
    registers: [metrics.registry],
    collect() {
      const s = quality.stats;
      this.set({ outcome: 'sampled' }, s.sampled);
      this.set({ outcome: 'queued' }, s.queued);
      this.set({ outcome: 'dropped' }, s.dropped);
      this.set({ outcome: 'evaluated' }, s.evaluated);
      this.set({ outcome: 'errors' }, s.errors);
      this.set({ outcome: 'judge_skipped_budget' }, s.judgeSkippedBudget);
    },
  });
  // The cache's quality gate on /metrics: read when scraped.
  if (cache?.gate)
    new Gauge({
      name: 'gatehouse_cache_quality_gate',
      help: 'Response-cache quality gate since start: found answers not served (below_min_score, unrated) and answers evicted by a bad score or feedback.',
      labelNames: ['outcome'],
      registers: [metrics.registry],
      collect() {
        const s = cache.gateStats;
        this.set({ outcome: 'below_min_score' }, s.refusedBelow);
        this.set({ outcome: 'unrated' }, s.refusedUnrated);
        this.set({ outcome: 'evicted' }, s.evicted);
      },
    });
  const shared = {
    quality,
    governor,
    secrets,
    providerDeps: { http },
    ...(options.stages ? { stages: options.stages } : {}),
    log,
    calls,
    cache,
    routing,
    runs,
    warn: (line: string) => logger.warn(line),
  };
  const live = new LiveConfig(await buildRuntime(config, initial.row.hash, shared), {
    initial,
    ...(options.configFile ? { file: options.configFile } : {}),
    sourceOfTruth,
    versions,
    shared,
    lifecycle,
    registry: metrics.registry,
    logger,
  });
  calls.attach(() => live.current.pipeline);
  const drift = driftFromConfig(config, {
    stores: () => [null, ...Object.keys(config.regions)].map((region) => events.database(region).db),
    scoresDb: database.db,
    demoter: {
      demote: (provider, model, holdMs) =>
        routing.demote(routing.target(provider, model), holdMs, performance.now()),
      restore: (provider, model) => {
        const state = routing.find(provider, model);
        if (state) routing.restore(state);
      },
    },
    embeddings: (request, options) => calls.embeddings(request, options),
    alerts,
    log: (line) => logger.warn({ component: 'drift' }, line),
  });
  drift?.start();
  const unsubscribeTelemetry = subscribeTelemetry(lifecycle, {
    metrics,
    requestLog: events,
    ...(tracing ? { tracing } : {}),
    ...(alerts ? { alerts } : {}),
  });
  const lag = new EventLoopLag();
  const lagLimit = config.server.max_event_loop_lag_ms;
  const exchanges: Exchanges = new WeakMap();
  const edges = serverEdges(config.server, metrics, (req) => {
    const res = exchanges.get(req.socket)?.res;
    if (res && !res.headersSent) res.setHeader('connection', 'close');
  });
  const shutdown = new AbortController();
  const approvals = new Approvals(database.db, {
    webhookUrl: config.governance.webhook_url,
    log: (line) => logger.warn(line),
    registry: metrics.registry,
  });
  // Nothing of the MCP gateway exists unless servers are configured.
  const mcp =
    Object.keys(config.mcp_servers).length > 0
      ? await McpGateway.create({
          servers: config.mcp_servers,
          db: database.db,
          auth,
          governor,
          lifecycle,
          secrets,
          bodies: config.logging.bodies,
          maxBodyBytes: config.server.max_body_bytes,
          log: (line) => logger.warn(line),
          shutdown: shutdown.signal,
          // Run bounds, then guardrails on the arguments and results, then approvals (a call past its
          // run's bounds or refused by a guardrail never asks a person), then
          // the hooks the caller of startGateway gives.
          hooks: [
            runHook(runs),
            ...(Object.keys(config.guardrails).length > 0
              ? [guardrailToolHook(toolContentChecker(config, calls))]
              : []),
            approvalHook(approvals),
            ...(options.mcpHooks ?? []),
          ],
          loopbackOnly: ['127.0.0.1', 'localhost', '::1'].includes(host),
        })
      : undefined;
  const stopToolCallRuns = mcp ? recordToolCallRuns(lifecycle) : () => {};
  const handler = createRequestHandler({
    ...(mcp ? { mcp } : {}),
    live,
    auth,
    database,
    responses: new ResponseStore((region) => events.database(region)),
    metrics,
    lifecycle,
    admin: {
      db: database.db,
      auth,
      sessions,
      ...(oidc ? { oidc } : {}),
      ...(config.auth.public_url ? { publicUrl: config.auth.public_url } : {}),
      timeZone: config.governance.timezone,
      secrets,
      // The serving version's providers: a secret's change rebuilds those that use it.
      providers: { refresh: () => live.current.providers.refresh() },
      config: live,
      versions,
      alerts: {
        settings: config.alerts,
        channel: webhookHost(config.alerts.webhook_url ?? config.governance.webhook_url),
        drift: drift !== undefined,
        live: alerts,
      },
      experiments: () => live.current.config.experiments,
      readJson: readJsonBody,
      events,
      governor,
      regions: Object.keys(config.regions),
      guardrails: Object.keys(config.guardrails),
      cache,
      semanticCache: semantic,
      drift,
      routing,
      runs,
      approvals,
      ...(mcp ? { mcp } : {}),
    },
    limits: edges.limits,
    maxInFlight: config.server.max_in_flight,
    ...(cache
      ? { scoresStored: (scores: Parameters<ResponseCache['rated']>[0]) => cache.rated(scores) }
      : {}),
    keyShares: edges.keyShares,
    shutdown: shutdown.signal,
    isOverloaded: () => lagLimit > 0 && lag.lagMs > lagLimit,
    isDraining: () => draining,
  });
  const server = createServer(edges.serverOptions, (req, res) => {
    // Counted until the handler has finished, so that the request's record has been taken.
    inFlight++;
    exchanges.set(req.socket, { req, res });
    void handler(req, res).finally(() => {
      // A body given up on (a deadline, broken chunking) leaves the connection mid-request: close it.
      if (bodyAbandoned(req)) req.socket.destroySoon();
      if (--inFlight === 0) idle?.();
    });
  });
  server.on(
    'clientError',
    createClientErrorHandler(edges.clientErrors, exchanges, (error, surface) =>
      metrics.observe({
        requestId: '',
        eventId: '',
        surface,
        route: 'unmatched',
        receivedAt: Date.now(),
        attempts: [],
        status: error.status,
        errorCode: error.code,
      }),
    ),
  );
  const requestedPort = options.port ?? config.server.port;
  server.listen(requestedPort, host);
  try {
    await once(server, 'listening');
  } catch (err) {
    throw listenFailure(err, host, requestedPort);
  }
  const { port } = server.address() as AddressInfo;
  // A wildcard address is reachable as the loopback from this machine: the URL a local client uses.
  const shownHost =
    host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  const stopEventLog = logGatewayEvents(lifecycle, logger, {
    accessLog: options.accessLog ?? config.server.access_log,
  });

  let stopping: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}`,
    calls,
    quality,
    port,
    host,
    server,
    described: {
      store,
      ...(options.redisUrl ? { redis: describeRedis(options.redisUrl) } : {}),
      masterKey: {
        ...(master.file ? { file: master.file } : {}),
        ...(master.generated ? { generated: true } : {}),
      },
    },
    config: live,
    reload: () => live.reload(),
    stop(graceMs = config.server.shutdown_grace_ms) {
      stopping ??= (async () => {
        draining = true;
        // Calls waiting for a person end now (cancelled): a decision may take longer than any grace.
        approvals.close();
        mcp?.drain();
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
        if (inFlight > 0) {
          // Requests still running end with a shutdown error (an error event on a stream) rather
          // than a cut connection, and are recorded as cut by the shutdown, not by their callers.
          shutdown.abort(
            new GatehouseError(
              'GH_SHUTTING_DOWN',
              `The gateway shut down before the answer was complete (after a grace period of ${graceMs} ms); retry on another instance.`,
            ),
          );
          await drain(1_000);
        }
        server.closeAllConnections();
        await drain(2_000); // requests cut off by the grace period still leave their record
        await mcp?.close();
        unsubscribeTelemetry();
        drift?.stop();
        quality.stop();
        stopToolCallRuns();
        lag.stop();
        await events.stop();
        await governor.close();
        await runs.close();
        await tracing?.shutdown();
        await http.close();
        live.close();
        await counters.close();
        await cache?.close();
        await sharedBreakers?.close();
        routing.close();
        await database.close();
        stopEventLog();
      })();
      return stopping;
    },
  };
}

/** Breaker, latency and in-flight gauges per target, and breaker transitions as they happen. */
function watchRouting(routing: RoutingState, metrics: GatewayMetrics): void {
  const phases = { closed: 0, half_open: 1, open: 2 } as const;
  const targets = watchTargets(metrics.registry, function* () {
    for (const t of routing.all())
      yield {
        provider: t.provider,
        model: t.model,
        breaker: phases[t.breaker.phase],
        inFlight: t.inFlight,
        ewmaMs: t.ewmaMs,
      };
  });
  routing.listen({
    opened: (t) => targets.transition(t.provider, t.model, 'open'),
    closed: (t) => targets.transition(t.provider, t.model, 'closed'),
  });
}

function defaultSpillDir(databaseUrl: string): string {
  const path = databaseUrl.startsWith('sqlite:') ? databaseUrl.slice('sqlite:'.length) : '';
  return path === '' || path === ':memory:' ? join('.gatehouse', 'spill') : join(dirname(path), 'spill');
}

/** How the HTTP server meets its callers: deadlines, header and body bounds, each key's share. */
function serverEdges(
  server: GatehouseConfig['server'],
  metrics: GatewayMetrics,
  onAbandon: (req: IncomingMessage) => void,
) {
  const maxHeaderBytes = 32 * 1024;
  const buffer = new BodyBuffer(
    Math.max(server.max_buffered_body_bytes ?? 256 * 1024 * 1024, server.max_body_bytes),
  );
  new Gauge({
    name: 'gatehouse_buffered_body_bytes',
    help: 'Bytes held by request bodies being read (their declared length), against server.max_buffered_body_bytes.',
    registers: [metrics.registry],
    collect() {
      this.set(buffer.held);
    },
  });
  const headersTimeoutMs = server.headers_timeout_s * 1000;
  const bodyTimeoutMs = server.body_timeout_s * 1000;
  return {
    serverOptions: {
      maxHeaderSize: maxHeaderBytes,
      keepAliveTimeout: 65_000,
      headersTimeout: headersTimeoutMs,
      // The body deadline is the app's (body.ts, answered 408 in the caller's shape); this one only
      // catches a body nobody reads, after both deadlines and a margin.
      requestTimeout: headersTimeoutMs + bodyTimeoutMs + 10_000,
      // Node checks both deadlines on this interval (30 s by default, which would let a 20 s deadline run to 50 s).
      connectionsCheckingInterval: Math.min(1_000, headersTimeoutMs),
    },
    limits: {
      maxBytes: server.max_body_bytes,
      maxDepth: server.max_json_depth,
      timeoutMs: bodyTimeoutMs,
      buffer,
      onAbandon,
    },
    keyShares: new KeyShares(
      server.max_in_flight_per_key ?? Math.max(1, Math.ceil(server.max_in_flight / 2)),
    ),
    clientErrors: {
      maxHeaderBytes,
      headersTimeoutS: server.headers_timeout_s,
      bodyTimeoutS: server.body_timeout_s,
    },
  };
}

/** Only the host of a webhook is shown: its path often carries a token. */
function webhookHost(url: string | undefined): string | null {
  return url ? new URL(url).host : null;
}
