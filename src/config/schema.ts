// The shape of gatehouse.yaml. Validated once at start; the parsed value is frozen.
import { z } from 'zod';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'use letters, digits and . _ : - only');
const positiveMs = z.number().int().positive().max(3_600_000);

export const timeoutsSchema = z
  .strictObject({
    connect_ms: positiveMs.optional().describe('TCP/TLS connection set-up (default 10000).'),
    first_byte_ms: positiveMs
      .optional()
      .describe(
        'Until the upstream answers: response headers, and for streams the first event; also the longest silence between stream chunks (default 120000).',
      ),
    total_ms: positiveMs.optional().describe('One whole attempt, first byte to last (default 600000).'),
  })
  .describe('Timeouts for upstream calls. Set on a provider, a model or a target; the most specific wins.');

const headers = z.record(z.string(), z.string()).describe('Extra headers sent upstream with every request.');
const httpUrl = z.url({ protocol: /^https?$/ });

const common = {
  headers: headers.optional(),
  timeouts: timeoutsSchema.optional(),
  regions: z
    .array(name)
    .optional()
    .describe(
      'Data-residency regions this provider serves from; a team pinned to a region uses only providers tagged with it.',
    ),
};

export const providerSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('openai'),
    api_key: z.string().min(1),
    base_url: httpUrl.default('https://api.openai.com/v1'),
    organization: z.string().optional(),
    project: z.string().optional(),
    api: z
      .enum(['chat', 'responses'])
      .default('chat')
      .describe(
        'chat: /chat/completions (same-dialect pass-through); responses: the Responses API, translated.',
      ),
    ...common,
  }),
  z.strictObject({
    type: z.literal('azure-openai'),
    api_key: z.string().min(1),
    base_url: httpUrl.describe('The resource endpoint, e.g. https://my-resource.openai.azure.com'),
    api_version: z.string().default('2024-10-21'),
    ...common,
  }),
  z.strictObject({
    type: z.literal('openai-compatible'),
    api_key: z.string().optional(),
    base_url: httpUrl.describe('The API root that /chat/completions is under, e.g. http://127.0.0.1:8000/v1'),
    ...common,
  }),
  z.strictObject({
    type: z.literal('anthropic'),
    api_key: z.string().min(1),
    base_url: httpUrl.default('https://api.anthropic.com'),
    anthropic_version: z.string().default('2023-06-01'),
    ...common,
  }),
  z.strictObject({
    type: z.literal('gemini'),
    api_key: z.string().min(1),
    base_url: httpUrl.default('https://generativelanguage.googleapis.com/v1beta'),
    ...common,
  }),
  z
    .strictObject({
      type: z.literal('bedrock'),
      region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region such as us-east-1'),
      base_url: httpUrl.optional().describe('Overrides https://bedrock-runtime.{region}.amazonaws.com'),
      access_key_id: z.string().optional(),
      secret_access_key: z.string().optional(),
      session_token: z.string().optional(),
      api_key: z
        .string()
        .optional()
        .describe('A Bedrock API key, sent as a bearer token instead of SigV4 signing.'),
      ...common,
    })
    .refine(
      (p) => p.api_key !== undefined || (p.access_key_id !== undefined && p.secret_access_key !== undefined),
      {
        message: 'bedrock needs api_key, or access_key_id and secret_access_key',
      },
    ),
  z.strictObject({
    type: z.literal('mock'),
    latency_ms: z.number().int().min(0).max(60_000).default(0).describe('Delay before answering.'),
    ...common,
  }),
]);

export const targetSchema = z.strictObject({
  provider: name,
  model: z.string().min(1),
  retries: z.number().int().min(0).max(10).optional().describe('Retries on this target before failing over.'),
  timeouts: timeoutsSchema.optional(),
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

export const modelSchema = z.strictObject({
  targets: z.array(targetSchema).min(1),
  limits: limitsSchema.optional().describe("Limits on this model's use by all callers together."),
  retries: z.number().int().min(0).max(10).optional().describe('Default retries per target (default 0).'),
  timeouts: timeoutsSchema.optional(),
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

export const configSchema = z.strictObject({
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
  telemetry: telemetrySchema.prefault({}),
  logging: loggingSchema.prefault({}),
  regions: z
    .record(name, regionSchema)
    .default({})
    .describe('Data-residency regions, each with its own event store; pin a team with its region field.'),
});

export type GatehouseConfig = z.output<typeof configSchema>;
export type ProviderConfig = z.output<typeof providerSchema>;
export type ProviderType = ProviderConfig['type'];
export type ProviderConfigOf<T extends ProviderType> = Extract<ProviderConfig, { type: T }>;
export type ModelConfig = z.output<typeof modelSchema>;
export type TargetConfig = z.output<typeof targetSchema>;
export type TimeoutsConfig = z.output<typeof timeoutsSchema>;
export type LimitsConfig = z.output<typeof limitsSchema>;
export type PriceConfig = z.output<typeof priceSchema>;
export type AlertsConfig = z.output<typeof alertsSchema>;
export type TelemetryConfig = z.output<typeof telemetrySchema>;
export type LoggingConfig = z.output<typeof loggingSchema>;
export type BodyLogging = z.output<typeof bodyLoggingSchema>;
