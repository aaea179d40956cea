// Table types for the query layer. Times are epoch milliseconds; money is integer micro-dollars
// (exact sums); lists and maps are JSON text so that one schema serves SQLite and PostgreSQL.

export interface TeamsTable {
  id: string;
  name: string;
  /** JSON array of allowed model names or globs; null allows all. */
  models: string | null;
  metadata: string;
  /** Body logging for the team's keys: off | metadata | full; null follows the configuration. */
  log_bodies: string | null;
  /** Days request events are kept; null follows the configuration. */
  retention_days: number | null;
  /** Data-residency region (a key of `regions` in the configuration); null is the default store. */
  region: string | null;
  created_at: number;
  updated_at: number;
}

export interface UsersTable {
  id: string;
  name: string;
  email: string | null;
  models: string | null;
  metadata: string;
  created_at: number;
  updated_at: number;
}

export interface TeamMembersTable {
  team_id: string;
  user_id: string;
}

export interface KeysTable {
  id: string;
  name: string;
  /** SHA-256 of the key, hex. The key itself is never stored. */
  hash: string;
  /** During a rotation's overlap window the replaced key still works until previous_expires_at. */
  previous_hash: string | null;
  previous_expires_at: number | null;
  /** The first characters of the key, to recognise it in lists. */
  prefix: string;
  team_id: string;
  user_id: string | null;
  models: string | null;
  metadata: string;
  expires_at: number | null;
  revoked_at: number | null;
  /** Overrides the team's body logging for this key; null follows the team. */
  log_bodies: string | null;
  /** Set when the key was deleted through the admin API (it is revoked too); null while it exists. */
  deleted_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface BudgetsTable {
  id: string;
  scope: 'key' | 'user' | 'team';
  scope_id: string;
  limit_micros: number;
  period: 'day' | 'week' | 'month' | 'total';
  /** Fraction of the limit at which a notification is sent (e.g. 0.8). */
  soft_threshold: number | null;
  created_at: number;
}

/** The guardrails (configured names, JSON array) attached to a key, team or user. */
export interface GuardrailRulesTable {
  scope: 'key' | 'user' | 'team';
  scope_id: string;
  names: string;
  created_at: number;
}

export interface LimitsTable {
  id: string;
  scope: 'key' | 'user' | 'team' | 'model';
  scope_id: string;
  rpm: number | null;
  tpm: number | null;
  concurrency: number | null;
  created_at: number;
}

export interface SpendTable {
  scope: 'key' | 'user' | 'team';
  scope_id: string;
  /** Start of the budget period this row counts (0 for 'total'). */
  period_start: number;
  period: 'day' | 'week' | 'month' | 'total';
  spent_micros: number;
  updated_at: number;
}

export interface SecretsTable {
  name: string;
  /** AES-256-GCM: base64 of iv ‖ tag ‖ ciphertext. */
  sealed: string;
  created_at: number;
  updated_at: number;
}

export interface AuditLogTable {
  seq: number;
  at: number;
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  /** JSON, secrets masked. */
  before: string | null;
  after: string | null;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

export interface RequestEventsTable {
  /** Unique per event (a caller may reuse an x-request-id; its events are still kept apart). */
  id: string;
  request_id: string;
  received_at: number;
  duration_ms: number | null;
  first_byte_ms: number | null;
  surface: string;
  route: string;
  model: string | null;
  provider: string | null;
  provider_model: string | null;
  stream: number;
  status: number;
  error_code: string | null;
  finish_reason: string | null;
  key_id: string | null;
  team_id: string | null;
  user_id: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  reasoning_tokens: number | null;
  /** USD; null when the model has no known price. */
  cost_usd: number | null;
  client_aborted: number;
  /** JSON array of attempts: provider, model, status, error code, latency. */
  attempts: string;
  /** JSON object of caller-supplied tags (x-gatehouse-tags, OpenAI metadata). */
  tags: string;
  trace_id: string | null;
  region: string | null;
  /** Redacted caller request, only when body logging is `full`. */
  request_body: string | null;
  /** Redacted answer (text and tool calls), only when body logging is `full`. */
  response_body: string | null;
  /** Hash of the configuration version that served the request. */
  config_version: string | null;
  /** JSON array of guardrail verdicts (names, entity types, actions; never the matched text). */
  guardrails: string | null;
  // The response cache's columns (optional in rows written before it existed, e.g. spilled ones).
  /** The response cache's verdict: hit | semantic-hit | miss | bypass; null when it is off. */
  cache?: string | null;
  /** A semantic hit's similarity (0…1). */
  cache_similarity?: number | null;
  /** What a cache hit would have cost upstream, USD; null when not a hit or unpriced. */
  saved_usd?: number | null;
  /** The experiment that routed the request and its variant (`shadow` for a shadow call). */
  experiment: string | null;
  variant: string | null;
  /** A shadow call's primary: its event id. */
  shadow_of: string | null;
  /** A shadow call's answer differed from the primary's (1), matched it (0), or either failed (null). */
  shadow_differed: number | null;
  /** `model` for model traffic, `tool` for a tool call through the MCP gateway. */
  kind?: string;
  mcp_server?: string | null;
  tool?: string | null;
  /** Bytes of the tool call's arguments and of its result, as JSON. */
  argument_bytes?: number | null;
  result_bytes?: number | null;
  /** The agent run (x-gatehouse-run-id) within the key's namespace; null outside a run. */
  run_id?: string | null;
}

/** Tool rules of a key, team or user; each field is JSON, null when unset. */
export interface ToolRulesTable {
  scope: 'key' | 'team' | 'user';
  scope_id: string;
  /** Array of globs over `<server>__<tool>`, `!` entries deny. */
  tools: string | null;
  /** Object: glob → calls per minute of each matching tool. */
  tool_limits: string | null;
  /** Object: glob → { argument: { const } | { enum } } narrowing the tool's input schema. */
  tool_args: string | null;
  updated_at: number;
}

/** The definition of a tool as first seen (or last approved), and a changed one awaiting approval. */
export interface McpToolPinsTable {
  server: string;
  tool: string;
  hash: string;
  definition: string;
  pending_hash: string | null;
  pending_definition: string | null;
  first_seen_at: number;
  changed_at: number | null;
  approved_at: number | null;
  approved_by: string | null;
}

/** Sums over an hour of events; the writer adds to them as events are stored. */
export interface UsageSums {
  requests: number;
  errors: number;
  unpriced: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  /** Requests that looked in the response cache (hits and misses; not bypasses). */
  cache_lookups: number;
  /** Requests answered from the response cache (exact or semantic). */
  cache_hits: number;
  /** USD the cache hits saved. */
  saved_usd: number;
}

type HistogramBucket = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16;
/**
 * Histogram counts of successful model requests: `latency_<k>` by total duration, `ttft_<k>` (streamed
 * ones only) by time to first byte, bucket k on the log scale of src/telemetry/latency-histogram.ts.
 */
export type HistogramColumn = `latency_${HistogramBucket}` | `ttft_${HistogramBucket}`;
export type UsageHistograms = Record<HistogramColumn, number>;

export interface UsageHourlyTable extends UsageSums, UsageHistograms {
  /** Epoch hours (UTC): floor(received_at / 3 600 000). */
  hour: number;
  team_id: string;
  key_id: string;
  user_id: string;
  model: string;
  provider: string;
}

export interface UsageHourlyTagsTable extends UsageSums, UsageHistograms {
  hour: number;
  tag_key: string;
  tag_value: string;
  team_id: string;
}

export interface UsageDailyTable extends UsageSums, UsageHistograms {
  /** Epoch days (UTC): floor(received_at / 86 400 000). */
  day: number;
  team_id: string;
  key_id: string;
  model: string;
  provider: string;
}

export interface UsageDailyTagsTable extends UsageSums, UsageHistograms {
  day: number;
  tag_key: string;
  tag_value: string;
  team_id: string;
}

/** A stored answer of the Responses surface (`store` not false): the conversation state. */
/** The bounds an owner (team, user or key) puts on each agent run; null columns bound nothing. */
export interface RunRulesTable {
  scope: 'key' | 'team' | 'user';
  scope_id: string;
  max_steps: number | null;
  max_tool_calls: number | null;
  max_cost_micros: number | null;
  max_duration_s: number | null;
  max_repeats: number | null;
  created_at: number;
}

/** A tool call waiting for (or decided by) a person. */
export interface ApprovalsTable {
  id: string;
  /** pending | approved | denied | timed_out | cancelled */
  status: string;
  server: string;
  tool: string;
  /** JSON of the call's arguments, as the agent sent them (bounded). */
  arguments: string;
  key_id: string | null;
  team_id: string | null;
  run_id: string | null;
  request_id: string;
  requested_at: number;
  expires_at: number;
  decided_at: number | null;
  /** The admin principal that decided: `master`, or an admin key's id. */
  decided_by: string | null;
  reason: string | null;
}

export interface ResponsesTable {
  id: string;
  /** The caller's team; null for the master key. Only the same team reaches it. */
  team_id: string | null;
  key_id: string | null;
  created_at: number;
  model: string;
  previous_response_id: string | null;
  /** JSON of the `response` object as the caller received it, redacted. */
  response: string;
}

export interface ResponseItemsTable {
  response_id: string;
  /** Input items first (0…), then output items. */
  position: number;
  kind: 'input' | 'output';
  item_id: string | null;
  team_id: string | null;
  /** JSON of the item, redacted. */
  item: string;
}

/** A configuration version (docs/config-reload.md). */
export interface ConfigVersionsTable {
  id: number;
  hash: string;
  created_at: number;
  source: 'startup' | 'file' | 'api' | 'rollback';
  /** Who applied it: the admin key, `master`, `file` or `canary`. */
  actor: string;
  /** The text to apply, when the database is the source; null for versions read from a file. */
  text: string | null;
  /** The text with secret values masked. */
  masked: string;
  /** Line diff of `masked` from the version before. */
  diff: string;
  status: 'applied' | 'refused' | 'canary' | 'rolled_back';
  /** Why a version was refused or rolled back. */
  note: string | null;
}

/** A score of an answer: caller feedback or an online evaluator (docs/quality.md). */
export interface QualityScoresTable {
  id: string;
  /** The caller-visible x-request-id. */
  request_id: string;
  /** The request event scored, when known. */
  event_id: string | null;
  team_id: string | null;
  key_id: string | null;
  model: string | null;
  provider: string | null;
  /** The routing target that answered (provider/model), when known. */
  target: string | null;
  experiment: string | null;
  variant: string | null;
  source: 'feedback' | 'evaluator';
  name: string;
  /** Booleans are stored as 1 and 0. */
  value: number;
  comment: string | null;
  /** JSON object of string tags. */
  tags: string;
  created_at: number;
}

/** A report of `gatehouse eval run`, kept so that results can be shown over time. */
export interface EvalRunsTable {
  id: string;
  suite: string;
  created_at: number;
  team_id: string | null;
  cases: number;
  passed: number;
  pass_rate: number;
  cost_usd: number | null;
  verdict: string;
  /** JSON of the whole report. */
  report: string;
}

/** A response-cache entry (the SQLite store, and PostgreSQL without Redis). */
/** A request answered from the cache → the request whose answer it was served (quality gate). */
export interface CacheHitsTable {
  request_id: string;
  source_request_id: string;
  expires_at: number;
}

export interface CacheEntriesTable {
  /** The exact key: a hash of the scope and the canonical request. */
  key: string;
  scope: string;
  /** The model name the client asked for. */
  model: string;
  /** The team whose request stored it ('' for the master key), for purges per team. */
  team_id: string;
  /** JSON of the entry: the IR response and where it came from. */
  value: string;
  bytes: number;
  created_at: number;
  expires_at: number;
  /** The request whose answer this is (quality gate, docs/cache.md); null for entries stored before. */
  request_id: string | null;
  /** JSON of that request's scores by name (0..1), kept by the quality gate; null until one arrives. */
  scores: string | null;
}

/** A console sign-in (docs/sso.md). The session id itself is never stored, only its SHA-256. */
export interface SessionsTable {
  id_hash: string;
  /** JSON: kind, name, email, role, teams (names) and team_ids. */
  identity: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

/** A team's, user's or key's response-cache rule; a null field follows the level above. */
export interface CacheRulesTable {
  scope: 'key' | 'user' | 'team';
  scope_id: string;
  /** exact | semantic | off */
  mode: string | null;
  ttl_s: number | null;
  /** Who shares entries: team | key | user | global (the configuration's `cache.scope`). */
  share: string | null;
  created_at: number;
}

/** One alert sent: fired, resolved, or a test (migration 015). */
export interface AlertEventsTable {
  id: string;
  kind: string;
  /** What it is about: a provider, a drifting group; null for spend and tests. */
  subject: string | null;
  status: 'firing' | 'resolved' | 'test';
  at: number;
  /** The message as sent. */
  text: string;
  /** JSON: the alert's own fields (rates, thresholds, windows). */
  details: string;
}

/** A drift check (src/drift/history.ts); `report` only on the latest. */
export interface DriftChecksTable {
  id: string;
  checked_at: number;
  window_from: number;
  window_to: number;
  baseline_from: number;
  baseline_to: number;
  groups: number;
  drifted: number;
  /** JSON: the check's DriftReport, distributions included. */
  report: string | null;
}

/** A metric that moved in one group at one check. */
export interface DriftFindingsTable {
  id: string;
  check_id: string;
  checked_at: number;
  dimension: string;
  value: string;
  metric: string;
  test: string;
  statistic: number;
  p: number | null;
  /** JSON: { statistic, p? }. */
  threshold: string;
  window_from: number;
  window_to: number;
  baseline_from: number;
  baseline_to: number;
  /** JSON window summaries. */
  baseline: string;
  recent: string;
  /** JSON histogram of continuous metrics: { edges, baseline, recent }. */
  bins: string | null;
  /** What moved, in words (as the alert says it). */
  summary: string;
}

export interface Schema {
  alert_events: AlertEventsTable;
  drift_checks: DriftChecksTable;
  drift_findings: DriftFindingsTable;
  quality_scores: QualityScoresTable;
  eval_runs: EvalRunsTable;
  sessions: SessionsTable;
  config_versions: ConfigVersionsTable;
  cache_entries: CacheEntriesTable;
  cache_hits: CacheHitsTable;
  cache_rules: CacheRulesTable;
  teams: TeamsTable;
  users: UsersTable;
  team_members: TeamMembersTable;
  keys: KeysTable;
  budgets: BudgetsTable;
  limits: LimitsTable;
  spend: SpendTable;
  secrets: SecretsTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  request_events: RequestEventsTable;
  guardrail_rules: GuardrailRulesTable;
  tool_rules: ToolRulesTable;
  mcp_tool_pins: McpToolPinsTable;
  usage_hourly: UsageHourlyTable;
  usage_hourly_tags: UsageHourlyTagsTable;
  usage_daily: UsageDailyTable;
  usage_daily_tags: UsageDailyTagsTable;
  responses: ResponsesTable;
  response_items: ResponseItemsTable;
  run_rules: RunRulesTable;
  approvals: ApprovalsTable;
}
