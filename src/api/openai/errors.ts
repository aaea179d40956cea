import type { GatehouseError } from '../../core/errors/index.ts';

const types: Record<GatehouseError['kind'], string> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  request_too_large: 'invalid_request_error',
  rate_limit: 'rate_limit_error',
  overloaded: 'server_error',
  timeout: 'timeout_error',
  upstream: 'server_error',
  internal: 'server_error',
};

/** OpenAI's error envelope: `{"error":{"message","type","param","code"}}`. */
export function errorBody(err: GatehouseError, _requestId: string): Record<string, unknown> {
  const type = err.code === 'GH_UPSTREAM_QUOTA' ? 'insufficient_quota' : types[err.kind];
  return { error: { message: err.message, type, param: err.param ?? null, code: err.publicCode } };
}
