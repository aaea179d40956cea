// What the gateway records of each request and of each upstream attempt. The pipeline fills a
// RequestRecord in; telemetry (metrics, the request log, traces, alerts) reads it from the lifecycle
// events (core/lifecycle), so these types sit here, below both.
import type { FinishReason, Usage } from '../ir/index.ts';

/** `internal`: the gateway's own calls (pipeline/internal.ts); `mcp`: tool calls through /mcp. */
export type SurfaceName = 'openai' | 'anthropic' | 'gateway' | 'internal' | 'mcp';

export interface AttemptRecord {
  provider: string;
  model: string;
  /** HTTP-like outcome: 200 on success, else the error's status. */
  status: number;
  errorCode?: string;
  latencyMs: number;
}

/** Where a guardrail looked: the caller's text, the answer, tool-call arguments, tool results. */
export type GuardrailPhase = 'input' | 'output' | 'tool_args' | 'tool_results';

/** What one guardrail decided on one phase of a request. Never holds the matched text. */
export interface GuardrailVerdict {
  guardrail: string;
  phase: GuardrailPhase;
  /** What it did (in shadow mode: what it would have done). `error`: an external check failed. */
  action: 'passed' | 'blocked' | 'redacted' | 'warned' | 'error';
  mode: 'enforce' | 'shadow';
  /** Entity types found (`EMAIL`, `CARD`, `prompt_injection`…), never the text. */
  entities: string[];
  score?: number;
  latencyMs: number;
  /** Milliseconds after the request's start when the check began (for its trace span). */
  atMs: number;
}

export interface RequestRecord {
  requestId: string;
  /** Unique per request, whatever x-request-id the caller sent: the request log's key. */
  eventId: string;
  surface: SurfaceName;
  route: string;
  /** Epoch milliseconds. */
  receivedAt: number;
  /** Milliseconds after receivedAt when the first byte of the answer went to the caller. */
  firstByteMs?: number;
  durationMs?: number;
  model?: string;
  stream?: boolean;
  provider?: string;
  providerModel?: string;
  attempts: AttemptRecord[];
  status: number;
  errorCode?: string;
  finishReason?: FinishReason;
  usage?: Usage;
  /** The caller left before the answer was complete. */
  clientAborted?: boolean;
  keyId?: string;
  teamId?: string;
  userId?: string;
  /** USD; null when the model has no known price. */
  costUsd?: number | null;
  /** Caller-supplied tags: the x-gatehouse-tags header and OpenAI's `metadata`. */
  tags?: Record<string, string>;
  /** W3C trace id of the request's span, when tracing is on. */
  traceId?: string;
  /** The data-residency region the caller's team is pinned to. */
  region?: string;
  /** The agent run the call belongs to (x-gatehouse-run-id), as the caller named it; runs are per key. */
  runId?: string;
  /** JSON of the caller's request as the body-logging mode allows (metadata or redacted text). */
  requestBody?: string;
  /** JSON of the answer as the body-logging mode allows. */
  responseBody?: string;
  /** Hash of the configuration version that served the request (docs/config-reload.md). */
  configVersion?: string;
  /** What each guardrail decided, in the order they ran. */
  guardrails?: GuardrailVerdict[];
  /** The response cache's verdict, when it is configured: a hit costs nothing upstream. */
  cache?: 'hit' | 'semantic-hit' | 'miss' | 'bypass';
  /** A semantic hit's similarity to the cached request (0…1). */
  cacheSimilarity?: number;
  /** What a cache hit would have cost upstream (USD); null when that model has no known price. */
  savedUsd?: number | null;
  /** Milliseconds the cache lookup took (exact, then semantic). */
  cacheLookupMs?: number;
  /** The experiment (config `experiments`) that routed this request, and the variant it chose. */
  experiment?: string;
  /** The variant's name; `shadow` on the record of a shadow call. */
  variant?: string;
  /** On a shadow call's record: the event id of the request it mirrored. */
  shadowOf?: string;
  /** On a shadow call's record: whether its answer differed from the one the caller got. */
  shadowDiffered?: boolean;
  /** `tool` for a tool call through the MCP gateway; absent for model traffic. */
  kind?: 'model' | 'tool';
  /** The MCP server and the tool's name there (tool calls). */
  mcpServer?: string;
  tool?: string;
  /** Bytes of the tool call's arguments and of its result, as JSON. */
  argumentBytes?: number;
  resultBytes?: number;
}
