// The per-request context every stage reads and the record the gateway publishes when the request
// ends (always, from a `finally` in the server), so no route can skip being recorded.
import { channel } from 'node:diagnostics_channel';
import type { IncomingHttpHeaders } from 'node:http';
import type { FinishReason, Usage } from '../core/ir/index.ts';
import { authorizeModel, type Principal } from '../governance/authenticate.ts';
import type { AttemptRecord } from '../routing/index.ts';
import type { RequestTrace } from '../telemetry/tracing.ts';

export type SurfaceName = 'openai' | 'anthropic' | 'gateway';

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
  /** JSON of the caller's request as the body-logging mode allows (metadata or redacted text). */
  requestBody?: string;
  /** JSON of the answer as the body-logging mode allows. */
  responseBody?: string;
}

export interface RequestContext {
  readonly requestId: string;
  readonly headers: IncomingHttpHeaders;
  /** Aborted with GH_CLIENT_CLOSED when the caller disconnects before the answer is complete. */
  readonly signal: AbortSignal;
  readonly startedAt: number;
  readonly record: RequestRecord;
  /** Set by authentication before any pipeline stage runs. */
  principal?: Principal;
  /** The request's span, when tracing is on; upstream attempts become its children. */
  trace?: RequestTrace;
}

/** Subscribers (telemetry) receive every finished RequestRecord here. */
export const requestRecords = channel('gatehouse:request');

/** The authorise stage: may this caller use this model? */
export function authorize(ctx: RequestContext, model: string): void {
  if (ctx.principal) authorizeModel(ctx.principal, model);
}
