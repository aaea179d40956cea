// Bedrock failures: HTTP errors (`{"message"}` + x-amzn-ErrorType) and in-stream exception frames.
import type { IncomingHttpHeaders } from 'node:http';
import { GatehouseError, upstreamStatusError } from '../../core/errors/index.ts';
import { retryAfterSeconds } from '../http.ts';

/** `ThrottlingException:http://internal…` → `ThrottlingException`. */
function errorName(headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-amzn-errortype'];
  return typeof header === 'string' ? header.split(':')[0] : undefined;
}

export function bedrockHttpError(
  provider: string,
  status: number,
  headers: IncomingHttpHeaders,
  text: string,
): GatehouseError {
  let message = text.slice(0, 500) || `HTTP ${status}`;
  try {
    const body = JSON.parse(text) as { message?: string; Message?: string };
    message = body.message ?? body.Message ?? message;
  } catch {
    // not JSON: keep the text
  }
  const name = errorName(headers);
  const retryAfter = retryAfterSeconds(headers);
  const extra = {
    ...(name ? { upstreamType: name } : {}),
    ...(retryAfter === undefined ? {} : { retryAfter }),
  };
  if (name === 'ModelNotReadyException') {
    return new GatehouseError('GH_UPSTREAM_OVERLOADED', `${provider}: ${message}`, {
      provider,
      upstreamStatus: status,
      ...extra,
    });
  }
  return upstreamStatusError(provider, status, message, extra);
}

const exceptionStatus: Record<string, number> = {
  throttlingException: 429,
  serviceUnavailableException: 503,
  internalServerException: 500,
  modelStreamErrorException: 502,
  validationException: 400,
  modelTimeoutException: 504,
};

export function bedrockStreamException(provider: string, type: string, message: string): GatehouseError {
  return upstreamStatusError(provider, exceptionStatus[type] ?? 502, message, { upstreamType: type });
}
