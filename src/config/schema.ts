// The shape of gatehouse.yaml. Validated once at start; the parsed value is frozen.
import { z } from 'zod';
import { configName, httpUrl, timeoutsSchema } from '../providers/config.ts';
import { driftSchema } from './drift.ts';
import { providerConfigSchemas } from '../providers/manifests.ts';
import { authSchema } from './auth.ts';
import { cacheSchema, modelCacheSchema } from './cache.ts';
import { guardrailNames, guardrailsSchema } from './guardrails.ts';
import { mcpServersSchema } from './mcp.ts';
import { evaluatorsSchema, qualitySchema } from './quality.ts';
import { reloadSchema } from './reload.ts';
import {
  circuitBreakerSchema,
  conditionSchema,
  experimentSchema,
  routingProblems,
  strategySchema,
  weightSchema,
} from './routing.ts';

const name = configName;

export { timeoutsSchema };

/** One entry per provider type, each declared by its folder's manifest (`providers/manifests.ts`). */
export const providerSchema = z.discriminatedUnion('type', providerConfigSchemas);

export const targetSchema = z.strictObject({
  provider: name,
  model: z.string().min(1),
  retries: z.number().int().min(0).max(10).optional().describe('Retries on this target before failing over.'),
  timeouts: timeoutsSchema.optional(),
  weight: weightSchema.optional(),
});

export const limitsSchema = z
  .strictObject({
    rpm: z.number().int().min(1).optional().describe('Requests per minute.'),
    tpm: z.number().int().min(1).optional().describe('Tokens (input + output) per minute.'),
    concurrency: z.number().int().min(1).optional().describe('Requests in flight at once.'),
  })
  .describe('Rate limits; with GATEHOUSE_REDIS_URL they hold across all replicas.');

export const priceSchema = z.strictObject({
  input_per_mtok: z.number().min(0),
  output_per_mtok: z.number().min(0),
  cache_read_per_mtok: z.number().min(0).optional(),
  cache_write_per_mtok: z.number().min(0).optional(),
});

export const ruleSchema = z
  .strictObject({
    when: conditionSchema.describe('Every test given must hold.'),
    targets: z.array(targetSchema).min(1).optional().describe("Targets used instead of the model's own."),
    model: z
      .string()
      .min(1)
      .optional()
      .describe('Another configured model whose targets (and strategy) are used.'),
  })
  .refine((r) => (r.targets === undefined) !== (r.model === undefined), 'set either targets or model');

export const modelSchema = z.strictObject({
  targets: z.array(targetSchema).min(1),
  limits: limitsSchema.optional().describe("Limits on this model's use by all callers together."),
  retries: z.number().int().min(0).max(10).optional().describe('Default retries per target (default 0).'),
  timeouts: timeoutsSchema.optional(),
  guardrails: guardrailNames.optional().describe('Guardrails every call to this model passes.'),
  evaluators: z
    .array(z.string().min(1))
    .optional()
    .describe('Online evaluators (names under `evaluators:`) that score sampled answers of this model.'),
  cache: modelCacheSchema.optional(),
  strategy: strategySchema.default('ordered'),
  exploration: z
    .number()
    .min(0)
    .max(1)
    .default(0.05)
    .describe(
      'least_latency: share of requests sent to a target other than the fastest, so that its latency stays known.',
    ),
  circuit_breaker: z.union([z.literal(false), circuitBreakerSchema]).prefault({}),
  health_check: z
    .strictObject({
      interval_s: z
        .number()
        .min(1)
        .max(86_400)
        .default(30)
        .describe('Seconds between checks of each target.'),
      timeout_ms: z.number().int().min(100).max(120_000).default(5_000),
    })
    .optional()
    .describe(
      'Active health checks: each target is sent a one-token chat request every interval_s; a success closes its breaker, a failure counts toward opening it. Each check is a real (billed) call.',
    ),
  rules: z
    .array(ruleSchema)
    .optional()
    .describe(
      "Tried in order; the first whose conditions all hold picks the targets. None: the model's own.",
    ),
});

export const serverSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).default(4000),
  host: z
    .string()
    .optional()
    .describe('Listen address (default 127.0.0.1, this machine only; 0.0.0.0 for every interface).'),
  access_log: z
    .boolean()
    .default(false)
    .describe('One log line per answered request (also GATEHOUSE_ACCESS_LOG=1).'),
  max_body_bytes: z
    .number()
    .int()
    .min(1024)
    .max(512 * 1024 * 1024)
    .default(10 * 1024 * 1024),
  max_json_depth: z.number().int().min(4).max(1000).default(64),
  shutdown_grace_ms: z.number().int().min(0).max(3_600_000).default(30_000),
  max_in_flight: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(4096)
    .describe(
      'Model requests (streams included) served at once; more are refused at once with 503 and Retry-After rather than queued.',
    ),
  max_in_flight_per_key: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .optional()
    .describe(
      'Model requests one key (or the master key) may have in flight at once, so that no caller takes all of max_in_flight; more get 429 too_many_in_flight. Default: half of max_in_flight.',
    ),
  headers_timeout_s: z
    .number()
    .int()
    .min(1)
    .max(3600)
    .default(20)
    .describe(
      "Seconds a request's header block may take to arrive; then 408 headers_timeout and the connection closes.",
    ),
  body_timeout_s: z
    .number()
    .int()
    .min(1)
    .max(3600)
    .default(60)
    .describe(
      "Seconds a request's body may take to arrive once the gateway starts reading it; then 408 body_timeout and the connection closes.",
    ),
  max_buffered_body_bytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024 * 1024)
    .optional()
    .describe(
      'Bytes all request bodies being read may hold together (a body counts its Content-Length from the start); a body that does not fit gets 503 body_buffer_full with Retry-After. Default 256 MiB; raised to max_body_bytes when that is larger, so that a body of the largest allowed size can always be read.',
    ),
  max_event_loop_lag_ms: z
    .number()
    .int()
    .min(0)
    .max(60_000)
    .default(1000)
    .describe(
      'When the event loop runs this late (the process is out of CPU), new model requests are refused with 503 and Retry-After until it catches up; 0 turns this off.',
    ),
  sqlite_checkpoints: z
    .enum(['on_commit', 'background'])
    .default('on_commit')
    .describe(
      "SQLite stores only: where the WAL is copied into the database file. 'on_commit': SQLite's default, on the event loop, which stops requests in flight for 10-20 ms every few thousand logged requests. 'background': on a worker thread, every second, which removes those stalls but in some soaks held 70-90 MB more RSS.",
    ),
});

export const routingSchema = z.strictObject({
  allow_direct: z
    .boolean()
    .default(true)
    .describe(
      'Let clients name provider/model directly (e.g. "openai/gpt-4.1-mini") besides configured models.',
    ),
  max_retry_wait_ms: z
    .number()
    .int()
    .min(0)
    .max(600_000)
    .default(10_000)
    .describe('A Retry-After longer than this fails over to the next target instead of waiting.'),
  backoff_base_ms: z.number().int().min(0).max(60_000).default(250),
  breaker_sync_ms: z
    .number()
    .int()
    .min(50)
    .max(60_000)
    .default(1_000)
    .describe(
      'With GATEHOUSE_REDIS_URL: how often each replica reads the circuit breakers other replicas opened or closed.',
    ),
});

export const governanceSchema = z.strictObject({
  timezone: z
    .string()
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'an IANA time zone such as Europe/Lisbon')
    .default('UTC')
    .describe('Budget periods (day, week, month) reset at midnight in this zone.'),
  webhook_url: httpUrl
    .optional()
    .describe('Receives notifications (Slack-compatible JSON), e.g. budget thresholds.'),
  redis: z
    .strictObject({
      on_failure: z
        .enum(['open', 'closed'])
        .default('closed')
        .describe(
          'When Redis fails or does not answer: "closed" refuses requests with limits or budgets (503 with Retry-After); "open" counts per replica, each limit divided by the replica count.',
        ),
      command_timeout_ms: z
        .number()
        .int()
        .min(10)
        .max(60_000)
        .default(2_000)
        .describe('Longest wait for one Redis command.'),
      connect_timeout_ms: z.number().int().min(10).max(60_000).default(1_000),
      lease_ttl_s: z
        .number()
        .int()
        .min(1)
        .max(3600)
        .default(30)
        .describe(
          "A concurrency slot or budget reservation expires this long after its replica's last heartbeat (every third of it): the longest a killed replica's holdings last.",
        ),
      replicas: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe('Replicas sharing the limits, for fail-open; unset: counted from the replicas heartbeats.'),
      reconcile_s: z
        .number()
        .int()
        .min(1)
        .max(3600)
        .default(10)
        .describe(
          'How often budget counters are re-derived from the spend table (after a flush or a lost write).',
        ),
    })
    .prefault({}),
  store: z
    .strictObject({
      stale_cache_s: z
        .number()
        .int()
        .min(0)
        .max(86_400)
        .default(300)
        .describe(
          'While the store does not answer, keys and their rules seen before are served from the cache for this long (0: refuse at once).',
        ),
      timeout_ms: z
        .number()
        .int()
        .min(10)
        .max(60_000)
        .default(2_000)
        .describe('Longest wait for the store on the request path.'),
    })
    .prefault({}),
});

export const telemetrySchema = z.strictObject({
  otlp_endpoint: httpUrl
    .optional()
    .describe(
      'OTLP/HTTP collector root, e.g. http://localhost:4318; traces go to {otlp_endpoint}/v1/traces. Unset: no tracing (OTEL_EXPORTER_OTLP_ENDPOINT is used when set).',
    ),
  otlp_headers: z
    .record(z.string(), z.string())
    .optional()
    .describe('Headers sent with every export, e.g. an authorization header for a hosted backend.'),
  service_name: z.string().min(1).default('gatehouse'),
  sample_ratio: z
    .number()
    .min(0)
    .max(1)
    .default(1)
    .describe('Share of new traces recorded; a trace continued from a caller follows its sampled flag.'),
});

const alertRequests = z
  .number()
  .int()
  .min(1)
  .default(20)
  .describe('Fewer calls to the provider in the window than this: no verdict.');

export const alertsSchema = z
  .strictObject({
    webhook_url: httpUrl
      .optional()
      .describe(
        'Receives alerts (Slack-compatible JSON); governance.webhook_url when not set. Off when neither is set.',
      ),
    window_seconds: z
      .number()
      .int()
      .min(10)
      .max(3600)
      .default(300)
      .describe('Provider error rate and p95 latency are measured over this sliding window.'),
    evaluate_every_seconds: z.number().int().min(1).max(3600).default(30),
    cooldown_seconds: z
      .number()
      .int()
      .min(0)
      .max(604_800)
      .default(1800)
      .describe(
        'At most one firing message per alert (and provider) in this time; an alert still firing after it is sent again. A resolved message follows each firing one when its condition clears.',
      ),
    provider_error_rate: z
      .union([
        z.literal(false),
        z.strictObject({
          threshold: z
            .number()
            .gt(0)
            .max(1)
            .default(0.25)
            .describe('Fires when the share of failed calls (5xx, 429, unreachable) is above this.'),
          min_requests: alertRequests,
        }),
      ])
      .prefault({})
      .describe('Per provider, over the window; false turns it off.'),
    provider_p95_ms: z
      .union([
        z.literal(false),
        z.strictObject({
          threshold: z.number().int().min(1).max(3_600_000).default(30_000).describe('Milliseconds.'),
          min_requests: alertRequests,
        }),
      ])
      .prefault({})
      .describe(
        'Per provider, over the window: fires when the p95 call latency is above the threshold; false turns it off.',
      ),
    spend_anomaly: z
      .union([
        z.literal(false),
        z.strictObject({
          factor: z
            .number()
            .gt(1)
            .default(3)
            .describe('Fires when the last hour cost more than this many times the baseline hourly mean.'),
          min_usd: z.number().min(0).default(1).describe('Hours that cost less than this never fire.'),
          baseline_hours: z.number().int().min(3).max(168).default(24),
        }),
      ])
      .prefault({})
      .describe('Spend in the last 60 minutes against the hours before it; false turns it off.'),
  })
  .describe('Webhook alerts on provider health and spend.');

export const bodyLoggingSchema = z
  .enum(['off', 'metadata', 'full'])
  .describe(
    'off: no body information; metadata: the shape of the call without text; full: request and answer text, redacted first.',
  );

export const loggingSchema = z
  .strictObject({
    bodies: bodyLoggingSchema
      .default('metadata')
      .describe('Body logging for callers whose key or team sets none.'),
    retention_days: z
      .number()
      .int()
      .min(1)
      .max(36_500)
      .optional()
      .describe(
        'Request events older than this are deleted, for teams without their own retention; unset keeps them.',
      ),
    retention_check_minutes: z
      .number()
      .int()
      .min(1)
      .max(1440)
      .default(60)
      .describe('How often expired events are deleted.'),
  })
  .describe('The request log: what it keeps of bodies, and for how long.');

export const regionSchema = z.strictObject({
  database_url: z
    .string()
    .regex(/^(sqlite:|postgres(ql)?:\/\/)/, 'sqlite:<path> or postgres://…')
    .describe('Where the request events of teams pinned to this region are stored (and only there).'),
});

export const configSchema = z
  .strictObject({
    server: serverSchema.prefault({}),
    governance: governanceSchema.prefault({}),
    alerts: alertsSchema.prefault({}),
    prices: z
      .record(z.string().min(1), priceSchema)
      .default({})
      .describe(
        'USD per million tokens, keyed by "<provider type>/<model>" (e.g. "openai/gpt-4.1-mini", "anthropic/claude-sonnet-4-5") or by the model alone; overrides the built-in price list.',
      ),
    providers: z.record(name, providerSchema).default({}),
    models: z.record(z.string().min(1), modelSchema).default({}),
    routing: routingSchema.prefault({}),
    experiments: z
      .record(
        z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits and . _ - only'),
        experimentSchema,
      )
      .default({})
      .describe(
        'A model name split into variants by weight, sticky per caller, with optional shadow traffic.',
      ),
    telemetry: telemetrySchema.prefault({}),
    logging: loggingSchema.prefault({}),
    regions: z
      .record(name, regionSchema)
      .default({})
      .describe('Data-residency regions, each with its own event store; pin a team with its region field.'),
    reload: reloadSchema.prefault({}),
    guardrails: guardrailsSchema,
    default_guardrails: guardrailNames
      .default([])
      .describe('Guardrails every call passes, whatever its key, team, user or model says.'),
    cache: cacheSchema.optional(),
    mcp_servers: mcpServersSchema,
    drift: driftSchema.optional(),
    auth: authSchema.prefault({}).describe('Console sessions and OIDC single sign-on (docs/sso.md).'),
    evaluators: evaluatorsSchema,
    quality: qualitySchema.prefault({}),
  })
  .superRefine((config, ctx) => {
    for (const problem of routingProblems(config)) ctx.addIssue({ code: 'custom', ...problem });
  });

export type GatehouseConfig = z.output<typeof configSchema>;
export type { McpServerConfig } from './mcp.ts';
export type ProviderConfig = z.output<typeof providerSchema>;
export type ProviderType = ProviderConfig['type'];
export type ProviderConfigOf<T extends ProviderType> = Extract<ProviderConfig, { type: T }>;
export type ModelConfig = z.output<typeof modelSchema>;
export type TargetConfig = z.output<typeof targetSchema>;
export type RuleConfig = z.output<typeof ruleSchema>;
export type { ConditionConfig, ExperimentConfig } from './routing.ts';
export type TimeoutsConfig = z.output<typeof timeoutsSchema>;
export type LimitsConfig = z.output<typeof limitsSchema>;
export type PriceConfig = z.output<typeof priceSchema>;
export type AlertsConfig = z.output<typeof alertsSchema>;
export type TelemetryConfig = z.output<typeof telemetrySchema>;
export type LoggingConfig = z.output<typeof loggingSchema>;
export type BodyLogging = z.output<typeof bodyLoggingSchema>;
export type { AuthConfig, OidcIssuerConfig } from './auth.ts';
export type {
  CacheConfig,
  CacheMode,
  CacheScope,
  QualityGateConfig,
  SemanticCacheConfig,
} from './cache.ts';
export type { GuardrailConfig } from './guardrails.ts';
export type { EvaluatorConfig, QualityConfig } from './quality.ts';
export type { CanaryConfig, ReloadConfig } from './reload.ts';
export type StrategyName = z.output<typeof strategySchema>;
