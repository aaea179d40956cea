// A request-log row for tests that write events straight to a store or a recorder.
import type { EventRow } from '../../src/telemetry/recorder.ts';

export function sampleEvent(id: string, overrides: Partial<EventRow> = {}): EventRow {
  return {
    id,
    request_id: id,
    received_at: 1_000,
    duration_ms: 1,
    first_byte_ms: 1,
    surface: 'openai',
    route: '/v1/chat/completions',
    model: 'm',
    provider: 'p',
    provider_model: 'm',
    stream: 0,
    status: 200,
    error_code: null,
    finish_reason: 'stop',
    key_id: null,
    team_id: null,
    user_id: null,
    input_tokens: 1,
    output_tokens: 1,
    cache_read_tokens: null,
    cache_write_tokens: null,
    reasoning_tokens: null,
    cost_usd: null,
    client_aborted: 0,
    attempts: '[]',
    tags: '{}',
    trace_id: null,
    region: null,
    request_body: null,
    response_body: null,
    run_id: null,
    ...overrides,
  };
}
