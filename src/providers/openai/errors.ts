// OpenAI failures as GatehouseErrors. OpenAI's envelope is `{"error":{"message","type","param","code"}}`;
// compatible servers vary it (Azure: `{"error":{"code":"401","message"}}`, Ollama: `{"error":"text"}`,
// vLLM: `{"object":"error","message","type","code":400}`), so every shape is read leniently.
import { type GatehouseError, upstreamStatusError } from '../../core/errors/index.ts';

export interface OpenAIErrorInfo {
  message: string;
  type?: string;
  code?: string;
  /** A numeric `code` that is an HTTP status (vLLM, Azure), used for in-stream errors. */
  status?: number;
}

/** Reads an error body or in-stream error payload; anything that is not an envelope becomes the message. */
export function parseOpenAIError(text: string, status?: number): OpenAIErrorInfo {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { message: fallbackMessage(text, status) };
  }
  if (parsed === null || typeof parsed !== 'object') return { message: fallbackMessage(text, status) };
  const outer = parsed as Record<string, unknown>;
  if (typeof outer.error === 'string' && outer.error !== '') return { message: outer.error };
  const error = (outer.error && typeof outer.error === 'object' ? outer.error : outer) as Record<
    string,
    unknown
  >;
  const info: OpenAIErrorInfo = {
    message:
      typeof error.message === 'string' && error.message !== ''
        ? error.message
        : fallbackMessage(text, status),
  };
  if (typeof error.type === 'string' && error.type !== '') info.type = error.type;
  if (typeof error.code === 'string' && error.code !== '') info.code = error.code;
  const numeric = typeof error.code === 'number' ? error.code : Number(info.code);
  if (Number.isInteger(numeric) && numeric >= 400 && numeric <= 599) info.status = numeric;
  return info;
}

/** An HTTP error answer, classified by status; `insufficient_quota` is out of credit, not a rate limit. */
export function openaiHttpError(
  provider: string,
  status: number,
  text: string,
  retryAfter: number | undefined,
): GatehouseError {
  const info = parseOpenAIError(text, status);
  return classify(provider, status, info, retryAfter ?? retryHintSeconds(info.message));
}

/** An error payload received after the stream had started (HTTP 200): its type stands in for the status. */
export function openaiStreamError(provider: string, data: string): GatehouseError {
  const info = parseOpenAIError(data);
  return classify(provider, info.status ?? statusOfError(info), info, retryHintSeconds(info.message));
}

function classify(
  provider: string,
  status: number,
  info: OpenAIErrorInfo,
  retryAfter: number | undefined,
): GatehouseError {
  const upstreamType = info.code && !/^\d+$/.test(info.code) ? info.code : info.type;
  return upstreamStatusError(provider, status, info.message, {
    ...(retryAfter !== undefined ? { retryAfter } : {}),
    ...(upstreamType ? { upstreamType } : {}),
    quotaExhausted: status === 429 && isQuota(info),
  });
}

function isQuota(info: OpenAIErrorInfo): boolean {
  return info.code === 'insufficient_quota' || info.type === 'insufficient_quota';
}

/** The status an in-stream error would have had as an HTTP answer; unknown ones are the upstream failing. */
function statusOfError(info: OpenAIErrorInfo): number {
  const names = [info.code, info.type].filter((name) => name !== undefined);
  const any = (...candidates: string[]) => names.some((name) => candidates.includes(name));
  if (any('insufficient_quota', 'rate_limit_exceeded', 'rate_limit_error', 'tokens', 'requests')) return 429;
  if (any('invalid_api_key', 'authentication_error')) return 401;
  if (any('invalid_request_error', 'unsupported_parameter', 'context_length_exceeded')) return 400;
  if (any('overloaded', 'overloaded_error', 'service_unavailable', 'slow_down')) return 503;
  return 500;
}

/**
 * OpenAI's 429 messages say "Please try again in 372ms" (or "1.5s", "6m0s"); used when no
 * Retry-After header came with the answer.
 */
export function retryHintSeconds(message: string): number | undefined {
  const match = /try again in ((?:\d+(?:\.\d+)?(?:ms|h|m|s))+)/i.exec(message);
  if (!match) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of match[1]!.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    const value = Number(amount);
    seconds += unit === 'ms' ? value / 1000 : unit === 'h' ? value * 3600 : unit === 'm' ? value * 60 : value;
  }
  return seconds;
}

function fallbackMessage(text: string, status: number | undefined): string {
  const trimmed = text.trim().slice(0, 200);
  if (trimmed !== '') return trimmed;
  return status === undefined ? 'unknown error' : `HTTP ${status} with an empty body`;
}
