// Gemini failures as GatehouseErrors. HTTP errors and in-stream error events share Google's envelope,
// `{"error":{"code","message","status","details":[…]}}`, whose `code` is the HTTP status; the retry
// hint is in the body (google.rpc.RetryInfo), not in a header.
import { GatehouseError, upstreamStatusError } from '../../core/errors/index.ts';
import type { GeminiErrorBody } from './wire.ts';

/** The HTTP status of each google.rpc.Code name, for an error event that lacks a numeric code. */
const statusOfCode: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ABORTED: 409,
  ALREADY_EXISTS: 409,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL: 500,
  UNKNOWN: 500,
  DATA_LOSS: 500,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/** ErrorInfo reasons that mean the gateway's own API key is at fault, though Google answers 400. */
const keyReasons = new Set(['API_KEY_INVALID', 'API_KEY_EXPIRED']);

export interface GeminiErrorInfo {
  code?: number;
  /** The google.rpc.Code name, e.g. RESOURCE_EXHAUSTED. */
  status?: string;
  message: string;
  /** google.rpc.ErrorInfo `reason`, e.g. API_KEY_INVALID. */
  reason?: string;
  /** Seconds, from google.rpc.RetryInfo `retryDelay` ("34.4s"). */
  retryDelay?: number;
  /** A QuotaFailure for a per-day quota: waiting seconds will not help. */
  dailyQuota?: boolean;
}

/** Reads the envelope (or a one-element array of it, as non-SSE streams send); other bodies become the message. */
export function parseGeminiError(text: string, status?: number): GeminiErrorInfo {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { message: fallbackMessage(text, status) };
  }
  return (
    readGeminiError(Array.isArray(parsed) ? parsed[0] : parsed) ?? { message: fallbackMessage(text, status) }
  );
}

/** The error of an already-parsed body, or undefined when the body carries none. */
export function readGeminiError(body: unknown): GeminiErrorInfo | undefined {
  const error = (body as GeminiErrorBody | null)?.error;
  if (!error || typeof error !== 'object') return undefined;
  const info: GeminiErrorInfo = {
    message: typeof error.message === 'string' && error.message !== '' ? error.message : 'unknown error',
  };
  if (typeof error.code === 'number') info.code = error.code;
  if (typeof error.status === 'string') info.status = error.status;
  for (const detail of Array.isArray(error.details) ? error.details : []) {
    const type = String(detail['@type'] ?? '');
    if (type.endsWith('google.rpc.ErrorInfo') && typeof detail.reason === 'string')
      info.reason = detail.reason;
    if (type.endsWith('google.rpc.RetryInfo')) {
      const delay = durationSeconds(detail.retryDelay);
      if (delay !== undefined) info.retryDelay = delay;
    }
    if (type.endsWith('google.rpc.QuotaFailure') && Array.isArray(detail.violations)) {
      if (detail.violations.some((v: { quotaId?: unknown }) => /PerDay/i.test(String(v?.quotaId ?? '')))) {
        info.dailyQuota = true;
      }
    }
  }
  return info;
}

/** An HTTP error answer from Gemini; the body's RetryInfo beats the (rarely sent) Retry-After header. */
export function geminiHttpError(
  provider: string,
  status: number,
  text: string,
  headerRetryAfter: number | undefined,
): GatehouseError {
  const info = parseGeminiError(text, status);
  return classify(provider, status, info, info.retryDelay ?? headerRetryAfter);
}

/** An error event received after the stream had started (HTTP 200). */
export function geminiStreamError(provider: string, info: GeminiErrorInfo): GatehouseError {
  const status =
    info.code !== undefined && info.code >= 400 && info.code < 600
      ? info.code
      : ((info.status ? statusOfCode[info.status] : undefined) ?? 500);
  return classify(provider, status, info, info.retryDelay);
}

function classify(
  provider: string,
  status: number,
  info: GeminiErrorInfo,
  retryAfter: number | undefined,
): GatehouseError {
  const upstreamType = info.reason ?? info.status;
  const extra = {
    ...(retryAfter !== undefined ? { retryAfter } : {}),
    ...(upstreamType ? { upstreamType } : {}),
  };
  if (
    (info.reason && keyReasons.has(info.reason)) ||
    (status === 400 && /API key not valid/i.test(info.message))
  ) {
    return new GatehouseError(
      'GH_UPSTREAM_AUTH',
      `${provider} refused the gateway's API key: ${info.message}`,
      {
        provider,
        upstreamStatus: status,
        ...extra,
      },
    );
  }
  return upstreamStatusError(provider, status, info.message, {
    ...extra,
    ...(status === 429 && info.dailyQuota ? { quotaExhausted: true } : {}),
  });
}

/** A protobuf Duration in JSON: seconds with an `s` suffix ("27s", "34.4s"). */
function durationSeconds(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
  return match ? Number(match[1]) : undefined;
}

function fallbackMessage(text: string, status: number | undefined): string {
  const trimmed = text.trim().slice(0, 200);
  if (trimmed !== '') return trimmed;
  return status === undefined ? 'unknown error' : `HTTP ${status} with an empty body`;
}
