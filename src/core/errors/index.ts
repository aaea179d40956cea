// The error catalogue. Every failure the gateway reports has a stable code, an HTTP status and a
// retryable flag; it becomes HTTP in exactly one place (the calling surface's error encoder).
import { stripSecrets } from './sanitize.ts';

export { redactedMarker, stripSecrets } from './sanitize.ts';

/** What kind of failure, independent of any surface's vocabulary. */
export type ErrorKind =
  | 'invalid_request'
  | 'authentication'
  | 'permission'
  | 'not_found'
  | 'request_too_large'
  | 'rate_limit'
  | 'overloaded'
  | 'timeout'
  | 'upstream'
  | 'internal';

interface Spec {
  status: number;
  kind: ErrorKind;
  retryable: boolean;
}

const catalogue = {
  GH_INVALID_JSON: { status: 400, kind: 'invalid_request', retryable: false },
  GH_INVALID_ENCODING: { status: 400, kind: 'invalid_request', retryable: false },
  GH_JSON_TOO_DEEP: { status: 400, kind: 'invalid_request', retryable: false },
  GH_INVALID_REQUEST: { status: 400, kind: 'invalid_request', retryable: false },
  GH_UNSUPPORTED_PARAMETER: { status: 400, kind: 'invalid_request', retryable: false },
  GH_BODY_TOO_LARGE: { status: 413, kind: 'request_too_large', retryable: false },
  /** The body did not arrive within server.body_timeout_s; the connection is closed after the answer. */
  GH_BODY_TIMEOUT: { status: 408, kind: 'timeout', retryable: false },
  /** The header block did not arrive within server.headers_timeout_s (answered by the HTTP server). */
  GH_HEADERS_TIMEOUT: { status: 408, kind: 'timeout', retryable: false },
  /** The header block is larger than the HTTP server accepts (32 KiB). */
  GH_HEADERS_TOO_LARGE: { status: 431, kind: 'request_too_large', retryable: false },
  /** Not valid HTTP/1.1: bad chunked encoding, Content-Length with Transfer-Encoding, bad header bytes. */
  GH_MALFORMED_HTTP: { status: 400, kind: 'invalid_request', retryable: false },
  GH_UNSUPPORTED_MEDIA_TYPE: { status: 415, kind: 'invalid_request', retryable: false },
  GH_UNAUTHENTICATED: { status: 401, kind: 'authentication', retryable: false },
  GH_FORBIDDEN: { status: 403, kind: 'permission', retryable: false },
  /** A state-changing admin call signed in by cookie came without the session's x-csrf-token. */
  GH_CSRF_FAILED: { status: 403, kind: 'permission', retryable: false },
  /** The caller's team is pinned to a data-residency region no target of the model serves from. */
  GH_REGION_NOT_ALLOWED: { status: 403, kind: 'permission', retryable: false },
  GH_MODEL_NOT_FOUND: { status: 404, kind: 'not_found', retryable: false },
  /** A gateway rate limit (requests, tokens or concurrency) refused the request. */
  GH_RATE_LIMITED: { status: 429, kind: 'rate_limit', retryable: false },
  /** A budget cannot cover the request's worst-case cost. */
  GH_BUDGET_EXCEEDED: { status: 429, kind: 'rate_limit', retryable: false },
  /** An agent run reached one of its bounds (steps, tool calls, cost, duration, repeats): the message names it. */
  GH_RUN_LIMIT_EXCEEDED: { status: 429, kind: 'rate_limit', retryable: false },
  GH_ROUTE_NOT_FOUND: { status: 404, kind: 'not_found', retryable: false },
  /** An admin resource (team, user, key, secret) named in the path does not exist. */
  GH_NOT_FOUND: { status: 404, kind: 'not_found', retryable: false },
  /** A name already taken in its scope, or a change that the resource's dependants forbid. */
  GH_CONFLICT: { status: 409, kind: 'invalid_request', retryable: false },
  /** A stored response (or item) that does not exist, or belongs to another team. */
  GH_RESPONSE_NOT_FOUND: { status: 404, kind: 'not_found', retryable: false },
  GH_METHOD_NOT_ALLOWED: { status: 405, kind: 'invalid_request', retryable: false },
  GH_SHUTTING_DOWN: { status: 503, kind: 'overloaded', retryable: true },
  /** More model requests are in flight than server.max_in_flight allows: shed at once, not queued. */
  GH_OVERLOADED: { status: 503, kind: 'overloaded', retryable: true },
  /** Request bodies being read hold server.max_buffered_body_bytes between them: new ones wait. */
  GH_BODY_BUFFER_FULL: { status: 503, kind: 'overloaded', retryable: true },
  /** One key holds its share of the gateway (server.max_in_flight_per_key); other keys are still served. */
  GH_TOO_MANY_IN_FLIGHT: { status: 429, kind: 'rate_limit', retryable: false },
  /** The store (database) did not answer and nothing cached covers the request. */
  GH_STORE_UNAVAILABLE: { status: 503, kind: 'overloaded', retryable: true },
  /** Redis did not answer and the deployment fails closed (governance.redis.on_failure). */
  GH_COUNTERS_UNAVAILABLE: { status: 503, kind: 'overloaded', retryable: true },
  /** The caller went away before the answer was complete (nginx's 499; recorded, never sent). */
  GH_CLIENT_CLOSED: { status: 499, kind: 'invalid_request', retryable: false },
  /** The upstream refused the request as malformed; its status (400, 404, 413, 422) is kept. */
  GH_UPSTREAM_REJECTED: { status: 400, kind: 'invalid_request', retryable: false },
  /** The upstream refused the gateway's own credentials: a configuration problem, not the caller's. */
  GH_UPSTREAM_AUTH: { status: 502, kind: 'upstream', retryable: false },
  GH_UPSTREAM_RATE_LIMITED: { status: 429, kind: 'rate_limit', retryable: true },
  /** Out of credit at the provider (OpenAI `insufficient_quota`): retrying the same target is futile. */
  GH_UPSTREAM_QUOTA: { status: 429, kind: 'rate_limit', retryable: false },
  GH_UPSTREAM_OVERLOADED: { status: 503, kind: 'overloaded', retryable: true },
  GH_UPSTREAM_TIMEOUT: { status: 504, kind: 'timeout', retryable: true },
  GH_UPSTREAM_UNREACHABLE: { status: 502, kind: 'upstream', retryable: true },
  GH_UPSTREAM_ERROR: { status: 502, kind: 'upstream', retryable: true },
  GH_UPSTREAM_CONFLICT: { status: 409, kind: 'upstream', retryable: true },
  /** The upstream answered something that does not follow its own protocol. */
  GH_UPSTREAM_PROTOCOL: { status: 502, kind: 'upstream', retryable: true },
  /** Every target of the model has its circuit breaker open: nothing was sent upstream. */
  GH_CIRCUIT_OPEN: { status: 503, kind: 'overloaded', retryable: true },
  GH_UNSUPPORTED_BY_PROVIDER: { status: 400, kind: 'invalid_request', retryable: false },
  /** A guardrail refused the request, or withheld the answer (docs/guardrails.md). */
  GH_GUARDRAIL_BLOCKED: { status: 400, kind: 'invalid_request', retryable: false },
  GH_INTERNAL: { status: 500, kind: 'internal', retryable: false },
} as const satisfies Record<string, Spec>;

export type ErrorCode = keyof typeof catalogue;

export interface ErrorDetails {
  /** The request field at fault, as a dotted path (`messages[2].content`). */
  param?: string;
  /** Overrides the catalogue status (e.g. an upstream 422 passed through). */
  status?: number;
  retryable?: boolean;
  /** Seconds the caller should wait, sent as `Retry-After`. */
  retryAfter?: number;
  /** The provider that failed, for upstream errors. */
  provider?: string;
  upstreamStatus?: number;
  /** The upstream's own error type or code, kept for the caller and the logs. */
  upstreamType?: string;
  cause?: unknown;
}

export class GatehouseError extends Error {
  override readonly name = 'GatehouseError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly kind: ErrorKind;
  readonly retryable: boolean;
  readonly param?: string;
  readonly retryAfter?: number;
  readonly provider?: string;
  readonly upstreamStatus?: number;
  readonly upstreamType?: string;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    // Every upstream failure passes through here, whichever provider built it: the one place where
    // a credential the upstream echoed is removed before the text reaches a caller or a log.
    const upstream = details.provider !== undefined || code.startsWith('GH_UPSTREAM_');
    super(
      upstream ? stripSecrets(message) : message,
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    const spec: Spec = catalogue[code];
    this.code = code;
    this.status = details.status ?? spec.status;
    this.kind = spec.kind;
    this.retryable = details.retryable ?? spec.retryable;
    if (details.param !== undefined) this.param = details.param;
    if (details.retryAfter !== undefined) this.retryAfter = details.retryAfter;
    if (details.provider !== undefined) this.provider = details.provider;
    if (details.upstreamStatus !== undefined) this.upstreamStatus = details.upstreamStatus;
    if (details.upstreamType !== undefined)
      this.upstreamType = upstream ? stripSecrets(details.upstreamType) : details.upstreamType;
  }

  /** The code as callers see it in error bodies: `GH_MODEL_NOT_FOUND` → `model_not_found`. */
  get publicCode(): string {
    return this.code.slice(3).toLowerCase();
  }
}

export const isGatehouseError = (value: unknown): value is GatehouseError => value instanceof GatehouseError;

/** Any thrown value as a GatehouseError; unknown failures become GH_INTERNAL without leaking details. */
export function asGatehouseError(value: unknown): GatehouseError {
  if (value instanceof GatehouseError) return value;
  return new GatehouseError('GH_INTERNAL', 'The gateway failed to handle this request.', { cause: value });
}

/**
 * Classifies an upstream HTTP failure by status. `retryAfter` comes from the caller, which knows
 * where its dialect puts the hint (header, or Gemini's RetryInfo in the body).
 */
export function upstreamStatusError(
  provider: string,
  status: number,
  message: string,
  extra: { retryAfter?: number; upstreamType?: string; quotaExhausted?: boolean } = {},
): GatehouseError {
  const details: ErrorDetails = { provider, upstreamStatus: status, ...extra };
  const text = `${provider}: ${message}`;
  if (status === 401 || status === 403) {
    return new GatehouseError(
      'GH_UPSTREAM_AUTH',
      `${provider} refused the gateway's credentials: ${message}`,
      details,
    );
  }
  if (status === 408) return new GatehouseError('GH_UPSTREAM_TIMEOUT', text, details);
  if (status === 409) return new GatehouseError('GH_UPSTREAM_CONFLICT', text, details);
  if (status === 429) {
    return extra.quotaExhausted
      ? new GatehouseError('GH_UPSTREAM_QUOTA', text, details)
      : new GatehouseError('GH_UPSTREAM_RATE_LIMITED', text, details);
  }
  if (status === 529 || status === 503) return new GatehouseError('GH_UPSTREAM_OVERLOADED', text, details);
  if (status === 504) return new GatehouseError('GH_UPSTREAM_TIMEOUT', text, details);
  if (status >= 500) return new GatehouseError('GH_UPSTREAM_ERROR', text, details);
  const kept = status === 404 || status === 413 || status === 422 ? status : 400;
  return new GatehouseError('GH_UPSTREAM_REJECTED', text, { ...details, status: kept });
}
