// What the gateway records of each request and of each upstream attempt. The pipeline fills a
// RequestRecord in; telemetry (metrics, the request log, traces, alerts) reads it from the lifecycle
// events (core/lifecycle), so these types sit here, below both.
import type { FinishReason, Usage } from '../ir/index.ts';

export type SurfaceName = 'openai' | 'anthropic' | 'gateway' | 'mcp';

export interface AttemptRecord {
  provider: string;
  model: string;
  /** HTTP-like outcome: 200 on success, else the error's status. */
  status: number;
  errorCode?: string;
  latencyMs: number;
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
  /** `tool` for a tool call through the MCP gateway; absent for model traffic. */
  kind?: 'model' | 'tool';
  /** The MCP server and the tool's name there (tool calls). */
  mcpServer?: string;
  tool?: string;
  /** Bytes of the tool call's arguments and of its result, as JSON. */
  argumentBytes?: number;
  resultBytes?: number;
}
