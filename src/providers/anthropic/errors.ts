// Anthropic failures as GatehouseErrors. HTTP errors and in-stream `error` events share one envelope,
// `{"type":"error","error":{"type","message"}}`; the stream's error type stands in for the status.
import { GatehouseError, upstreamStatusError } from '../../core/errors/index.ts';

/** The HTTP status each Anthropic error type comes with (docs errors page; NOTES §2). */
const statusOfErrorType: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

export interface AnthropicErrorInfo {
  type?: string;
  message: string;
}

/** Reads the error envelope; a body that is not one (an HTML proxy page, say) becomes the message. */
export function parseAnthropicError(text: string, status?: number): AnthropicErrorInfo {
  try {
    const parsed: unknown = JSON.parse(text);
    const error = (parsed as { error?: unknown } | null)?.error;
    if (error && typeof error === 'object') {
      const { type, message } = error as { type?: unknown; message?: unknown };
      return {
        ...(typeof type === 'string' ? { type } : {}),
        message: typeof message === 'string' && message !== '' ? message : fallbackMessage(text, status),
      };
    }
  } catch {
    // not JSON: fall through
  }
  return { message: fallbackMessage(text, status) };
}

/** An HTTP error answer from Anthropic, classified by status. */
export function anthropicHttpError(
  provider: string,
  status: number,
  text: string,
  retryAfter: number | undefined,
): GatehouseError {
  const info = parseAnthropicError(text, status);
  return classify(provider, status, info, retryAfter);
}

/** An `error` event received after the stream had started (HTTP 200). */
export function anthropicStreamError(provider: string, data: string): GatehouseError {
  const info = parseAnthropicError(data);
  const status = info.type ? statusOfErrorType[info.type] : undefined;
  // An unknown error type mid-stream is still the upstream failing, not the caller's request.
  return classify(provider, status ?? 500, info, undefined);
}

function classify(
  provider: string,
  status: number,
  info: AnthropicErrorInfo,
  retryAfter: number | undefined,
): GatehouseError {
  const extra = {
    ...(retryAfter !== undefined ? { retryAfter } : {}),
    ...(info.type ? { upstreamType: info.type } : {}),
  };
  // Out of credit: retrying this provider is futile, but another target may well serve the request.
  if (info.type === 'billing_error' || /credit balance is too low/i.test(info.message)) {
    return new GatehouseError('GH_UPSTREAM_QUOTA', `${provider}: ${info.message}`, {
      provider,
      upstreamStatus: status,
      ...extra,
    });
  }
  return upstreamStatusError(provider, status, info.message, extra);
}

function fallbackMessage(text: string, status: number | undefined): string {
  const trimmed = text.trim().slice(0, 200);
  if (trimmed !== '') return trimmed;
  return status === undefined ? 'unknown error' : `HTTP ${status} with an empty body`;
}
