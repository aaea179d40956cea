import type { GatehouseError } from '../../core/errors/index.ts';

const types: Record<GatehouseError['kind'], string> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  request_too_large: 'request_too_large',
  rate_limit: 'rate_limit_error',
  overloaded: 'overloaded_error',
  timeout: 'timeout_error',
  upstream: 'api_error',
  internal: 'api_error',
};

export function anthropicErrorType(err: GatehouseError): string {
  return types[err.kind];
}

/** Anthropic's error envelope: `{"type":"error","error":{"type","message"},"request_id"}`. */
export function errorBody(err: GatehouseError, requestId: string): Record<string, unknown> {
  return {
    type: 'error',
    error: {
      type: anthropicErrorType(err),
      message: err.message,
      // Anthropic's envelope has no code; a guardrail's refusal carries ours so a client can tell it apart.
      ...(err.code === 'GH_GUARDRAIL_BLOCKED' ? { code: err.publicCode } : {}),
    },
    request_id: requestId,
  };
}
