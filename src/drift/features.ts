// What drift detection reads of one request-log row: lengths, finish reason, refusal, tool call,
// error class, latency and — when body logging kept the text — the input text and its language.
// Everything comes from columns the request log stores already, so the request path does no more.
import { guessLanguage } from './language.ts';

/** The request-log columns drift reads. */
export interface EventColumns {
  request_id: string;
  received_at: number;
  model: string | null;
  provider: string | null;
  provider_model: string | null;
  team_id: string | null;
  status: number;
  error_code: string | null;
  finish_reason: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  duration_ms: number | null;
  request_body: string | null;
  response_body: string | null;
}

export interface Sample {
  requestId: string;
  inputTokens?: number;
  outputTokens?: number;
  finishReason?: string;
  /** Undefined when neither the finish reason nor a stored answer says. */
  refusal?: boolean;
  toolCall?: boolean;
  /** ok, rate_limited, client_error, upstream_error, gateway_error. */
  outcome: string;
  latencyMs?: number;
  /** The last user message, when its text was logged (`logging.bodies: full`). */
  text?: string;
  language?: string;
}

// Openings of a refusal, matched at the start of the answer only: a helpful answer that quotes
// "I can't" later on is not one.
const refusal =
  /^\s*(?:i['’]m sorry,? but |sorry,? )?(?:i|we)\s*(?:can['’]?not|can['’]t|won['’]t|am unable to|['’]m unable to|am not able to|must decline)\b/i;

export function sampleOf(row: EventColumns): Sample {
  const sample: Sample = { requestId: row.request_id, outcome: outcomeOf(row) };
  if (row.input_tokens !== null) sample.inputTokens = row.input_tokens;
  if (row.status < 400) {
    if (row.output_tokens !== null) sample.outputTokens = row.output_tokens;
    if (row.duration_ms !== null) sample.latencyMs = row.duration_ms;
  }
  if (row.finish_reason) sample.finishReason = row.finish_reason;
  const answer = parse(row.response_body);
  const answerText = textOf(answer?.content);
  const toolCalls = Array.isArray(answer?.tool_calls)
    ? answer.tool_calls.length
    : Array.isArray(answer?.content)
      ? answer.content.filter((p: { type?: string }) => p?.type === 'tool_call').length
      : undefined;
  if (row.status < 400) {
    sample.toolCall = row.finish_reason === 'tool_calls' || (toolCalls ?? 0) > 0;
    if (row.finish_reason === 'content_filter') sample.refusal = true;
    else if (answerText !== undefined) sample.refusal = refusal.test(answerText);
    else if (row.finish_reason) sample.refusal = false;
  }
  const text = lastUserText(parse(row.request_body));
  if (text) {
    sample.text = text;
    sample.language = guessLanguage(text);
  }
  return sample;
}

function outcomeOf(row: EventColumns): string {
  if (row.status < 400) return 'ok';
  if (row.status === 429) return 'rate_limited';
  if (row.error_code?.startsWith('GH_UPSTREAM') || row.status === 502 || row.status === 504)
    return 'upstream_error';
  return row.status < 500 ? 'client_error' : 'gateway_error';
}

// biome-ignore lint/suspicious/noExplicitAny: stored JSON of either surface's shape
function parse(json: string | null): any {
  if (!json) return undefined;
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

/** Text of a message's content in OpenAI's or Anthropic's shape (string or parts). */
function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const texts = content.flatMap((part) =>
    part && typeof part === 'object' && part.type === 'text' && typeof part.text === 'string'
      ? [part.text]
      : [],
  );
  return texts.length ? texts.join('\n') : undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: stored JSON of either surface's shape
function lastUserText(body: any): string | undefined {
  if (!body || !Array.isArray(body.messages)) {
    // Embeddings: the input itself.
    if (typeof body?.input === 'string') return body.input;
    return undefined;
  }
  for (let i = body.messages.length - 1; i >= 0; i--) {
    const message = body.messages[i];
    if (message?.role === 'user') return textOf(message.content);
  }
  return undefined;
}
