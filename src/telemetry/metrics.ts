// Prometheus metrics, computed from the record every request leaves when it ends. Labels are
// bounded: models and providers come from the configuration (a name a client made up is counted
// as "unresolved"; a configured model keeps its name even when the request was refused before
// any provider was chosen), teams from the admin API; keys and users are never labels.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type TallyBuckets, type TallyCount, TallyCounter, TallyHistogram } from './tallies.ts';
import type { EventRecorder } from './recorder.ts';
import type { RequestRecord } from '../core/records/index.ts';

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #requests = new TallyCounter({
    name: 'gatehouse_requests_total',
    help: 'Requests answered, by surface, model, provider, status and team.',
    labelNames: ['surface', 'model', 'provider', 'status', 'team'] as const,
    registers: [this.registry],
  });
  readonly #duration = new TallyHistogram({
    name: 'gatehouse_request_duration_seconds',
    help: 'Time from receiving a request to its last byte.',
    labelNames: ['surface', 'model', 'provider', 'stream'] as const,
    buckets: latencyBuckets,
    registers: [this.registry],
  });
  readonly #firstByte = new TallyHistogram({
    name: 'gatehouse_time_to_first_byte_seconds',
    help: 'Time from receiving a request to the first byte of its answer (the first token, for streams).',
    labelNames: ['surface', 'model', 'provider', 'stream'] as const,
    buckets: latencyBuckets,
    registers: [this.registry],
  });
  readonly #tokens = new TallyCounter({
    name: 'gatehouse_tokens_total',
    help: 'Tokens as the provider reported them; input and output include their cached and reasoning parts.',
    labelNames: ['model', 'provider', 'team', 'kind'] as const,
    registers: [this.registry],
  });
  readonly #cost = new TallyCounter({
    name: 'gatehouse_cost_usd_total',
    help: 'Cost in USD of priced requests.',
    labelNames: ['model', 'provider', 'team'] as const,
    registers: [this.registry],
  });
  readonly #unpriced = new Counter({
    name: 'gatehouse_unpriced_requests_total',
    help: 'Requests with usage but no known price (recorded with cost null, not 0).',
    labelNames: ['model', 'provider'] as const,
    registers: [this.registry],
  });
  readonly #errors = new Counter({
    name: 'gatehouse_errors_total',
    help: 'Requests that ended in an error, by error code.',
    labelNames: ['surface', 'code'] as const,
    registers: [this.registry],
  });
  readonly #attempts = new TallyCounter({
    name: 'gatehouse_upstream_attempts_total',
    help: 'Calls to providers, by provider and outcome status (200, or the error status).',
    labelNames: ['provider', 'status'] as const,
    registers: [this.registry],
  });
  readonly #failovers = new Counter({
    name: 'gatehouse_failovers_total',
    help: 'Requests that needed more than one attempt.',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly #refusals = new Counter({
    name: 'gatehouse_refusals_total',
    help: 'Requests refused by a gateway rate limit, budget or agent run bound.',
    labelNames: ['reason', 'team'] as const,
    registers: [this.registry],
  });

  // Guardrail names come from the configuration, so these labels stay bounded.
  readonly #verdicts = new Counter({
    name: 'gatehouse_guardrail_verdicts_total',
    help: 'Guardrail verdicts, by guardrail, phase, action (passed, blocked, redacted, warned, error) and mode.',
    labelNames: ['guardrail', 'phase', 'action', 'mode'] as const,
    registers: [this.registry],
  });
  readonly #checkDuration = new Histogram({
    name: 'gatehouse_guardrail_check_duration_seconds',
    help: 'Time a guardrail spent checking one phase of a request.',
    labelNames: ['guardrail', 'phase'] as const,
    buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly #cacheRequests = new Counter({
    name: 'gatehouse_cache_requests_total',
    help: 'Chat requests as the response cache saw them: hit, semantic-hit, miss or bypass.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly #cacheLookup = new TallyHistogram({
    name: 'gatehouse_cache_lookup_seconds',
    help: 'Time the response cache took to look a request up (exact, then semantic).',
    labelNames: ['result'] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });
  readonly #cacheSaved = new Counter({
    name: 'gatehouse_cache_saved_usd_total',
    help: 'USD that response-cache hits would have cost upstream.',
    labelNames: ['model', 'team'] as const,
    registers: [this.registry],
  });
  readonly #toolCalls = new Counter({
    name: 'gatehouse_tool_calls_total',
    help: 'Tool calls through the MCP gateway, by server, tool, outcome (ok, tool_error, refused, failed) and team.',
    labelNames: ['server', 'tool', 'outcome', 'team'] as const,
    registers: [this.registry],
  });
  readonly #toolDuration = new TallyHistogram({
    name: 'gatehouse_tool_call_duration_seconds',
    help: 'Time from receiving a tool call to its answer, refusals included.',
    labelNames: ['server', 'tool'] as const,
    buckets: [0.001, 0.0025, ...latencyBuckets],
    registers: [this.registry],
  });

  readonly #models: ReadonlySet<string>;

  constructor(options: { processMetrics?: boolean; models?: Iterable<string> } = {}) {
    this.#models = new Set(options.models ?? []);
    // prom-client's own names already begin with process_ and nodejs_: the prefix is ours alone.
    if (options.processMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: 'gatehouse_' });
  }

  /** Request-log health: what waits in memory, what waits on disk, what was ever lost. */
  watchRecorder(recorder: Pick<EventRecorder, 'stats'>): void {
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    gauge(
      'gatehouse_request_log_queue_depth',
      'Request events waiting in memory to be written.',
      () => recorder.stats().queued,
    );
    gauge(
      'gatehouse_request_log_spill_bytes',
      'Bytes of request events waiting on disk for the store to return.',
      () => recorder.stats().spilledBytes,
    );
    gauge(
      'gatehouse_request_log_dropped_total',
      'Request events lost (only if the spill file itself failed).',
      () => recorder.stats().dropped,
    );
    gauge(
      'gatehouse_request_log_written_total',
      'Request events written to the store.',
      () => recorder.stats().written,
    );
  }

  // Label sets repeat from request to request: their children are looked up once, not per request.
  readonly #seriesCache = new Map<string, Series>();

  #series(
    surface: string,
    model: string,
    provider: string,
    status: string,
    team: string,
    stream: string,
  ): Series {
    const key = `${surface}\u0000${model}\u0000${provider}\u0000${status}\u0000${team}\u0000${stream}`;
    let series = this.#seriesCache.get(key);
    if (!series) {
      const kinds = new Map<string, TallyCount>();
      series = {
        requests: this.#requests.count({ surface, model, provider, status, team }),
        duration: this.#duration.buckets({ surface, model, provider, stream }),
        firstByte: this.#firstByte.buckets({ surface, model, provider, stream }),
        cost: this.#cost.count({ model, provider, team }),
        tokens: (kind) => {
          let child = kinds.get(kind);
          if (!child) {
            child = this.#tokens.count({ model, provider, team, kind });
            kinds.set(kind, child);
          }
          return child;
        },
      };
      if (this.#seriesCache.size >= 10_000) this.#seriesCache.clear();
      this.#seriesCache.set(key, series);
    }
    return series;
  }

  #observeCache(record: RequestRecord, model: string, team: string): void {
    const result = record.cache!;
    this.#cacheRequests.inc({ result });
    if (record.cacheLookupMs !== undefined)
      this.#cacheLookup.observe(this.#cacheLookup.buckets({ result }), record.cacheLookupMs / 1000);
    if (record.savedUsd) this.#cacheSaved.inc({ model, team }, record.savedUsd);
  }

  observe(record: RequestRecord): void {
    if (record.surface === 'gateway') return;
    if (record.kind === 'tool') {
      this.#observeTool(record);
      return;
    }
    const resolved =
      record.provider !== undefined || (record.model !== undefined && this.#models.has(record.model));
    const model = resolved ? (record.model ?? 'unknown') : 'unresolved';
    const provider = record.provider ?? 'none';
    const team = record.teamId ?? 'none';
    const stream = record.stream ? 'true' : 'false';
    const series = this.#series(record.surface, model, provider, String(record.status), team, stream);
    series.requests.value++;
    if (record.durationMs !== undefined) this.#duration.observe(series.duration, record.durationMs / 1000);
    if (record.firstByteMs !== undefined && record.status < 400)
      this.#firstByte.observe(series.firstByte, record.firstByteMs / 1000);
    if (record.errorCode) {
      this.#errors.inc({ surface: record.surface, code: record.errorCode });
      if (record.errorCode === 'GH_RATE_LIMITED' || record.errorCode === 'GH_BUDGET_EXCEEDED') {
        this.#refusals.inc({
          reason: record.errorCode === 'GH_RATE_LIMITED' ? 'rate_limited' : 'budget_exceeded',
          team,
        });
      } else if (record.errorCode === 'GH_RUN_LIMIT_EXCEEDED')
        this.#refusals.inc({ reason: 'run_limit_exceeded', team });
    }
    if (record.guardrails)
      for (const v of record.guardrails) {
        this.#verdicts.inc({ guardrail: v.guardrail, phase: v.phase, action: v.action, mode: v.mode });
        this.#checkDuration.observe({ guardrail: v.guardrail, phase: v.phase }, v.latencyMs / 1000);
      }
    if (record.cache !== undefined) this.#observeCache(record, model, team);
    for (const attempt of record.attempts)
      this.#attempts.count({ provider: attempt.provider, status: String(attempt.status) }).value++;
    if (record.attempts.length > 1) this.#failovers.inc({ model });
    const usage = record.usage;
    if (usage) {
      const kinds: Array<[string, number | undefined]> = [
        ['input', usage.inputTokens],
        ['output', usage.outputTokens],
        ['cache_read', usage.cacheReadTokens],
        ['cache_write', usage.cacheWriteTokens],
        ['reasoning', usage.reasoningTokens],
      ];
      for (const [kind, count] of kinds) if (count) series.tokens(kind).value += count;
      if (record.costUsd === null) this.#unpriced.inc({ model, provider });
      else if (record.costUsd !== undefined) series.cost.value += record.costUsd;
    }
  }

  #observeTool(record: RequestRecord): void {
    const server = record.mcpServer ?? 'unknown';
    const tool = record.tool ?? 'unknown';
    const outcome =
      record.errorCode === undefined
        ? 'ok'
        : record.errorCode === 'GH_TOOL_ERROR'
          ? 'tool_error'
          : record.status === 403 || record.status === 429 || record.status === 400
            ? 'refused'
            : 'failed';
    this.#toolCalls.inc({ server, tool, outcome, team: record.teamId ?? 'none' });
    if (record.durationMs !== undefined)
      this.#toolDuration.observe(this.#toolDuration.buckets({ server, tool }), record.durationMs / 1000);
    if (record.errorCode && record.errorCode !== 'GH_TOOL_ERROR')
      this.#errors.inc({ surface: 'mcp', code: record.errorCode });
    if (record.errorCode === 'run_limit_exceeded')
      this.#refusals.inc({ reason: 'run_limit_exceeded', team: record.teamId ?? 'none' });
  }
}

interface Series {
  requests: TallyCount;
  duration: TallyBuckets;
  firstByte: TallyBuckets;
  cost: TallyCount;
  tokens(kind: string): TallyCount;
}
