// The legacy POST /v1/completions, for the clients and evaluators that still send a bare prompt:
// the prompt becomes one user message and the answer's text comes back as a `text_completion`.
// Always translated (no provider speaks this dialect here), so the native body never passes through.
import { z } from 'zod';
import { GatehouseError } from '../../core/errors/index.ts';
import type { ChatRequest, ChatResult, Dialect, StreamChunk } from '../../core/ir/index.ts';
import { sseFrame } from '../../core/sse/index.ts';
import { validateBody } from '../validate.ts';
import { openaiFinishReason } from './chat-response.ts';
import { errorBody } from './errors.ts';

const completionSchema = z.looseObject({
  model: z.string().min(1),
  prompt: z.union([z.string(), z.array(z.string()).min(1)]),
  max_tokens: z.number().int().min(1).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  stop: z
    .union([z.string(), z.array(z.string()).max(4)])
    .nullable()
    .optional(),
  seed: z.number().int().nullable().optional(),
  user: z.string().optional(),
  n: z.number().int().min(1).max(1).nullable().optional(),
  best_of: z.number().int().min(1).max(1).nullable().optional(),
  echo: z.boolean().nullable().optional(),
  logprobs: z.null().optional(),
  suffix: z.null().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
});

export function decodeCompletionRequest(body: unknown): ChatRequest {
  const parsed = validateBody(completionSchema, body);
  if (Array.isArray(parsed.prompt) && parsed.prompt.length > 1)
    throw new GatehouseError(
      'GH_UNSUPPORTED_PARAMETER',
      'prompt: one prompt per request (send a string or an array of one string)',
      { param: 'prompt' },
    );
  const prompt = typeof parsed.prompt === 'string' ? parsed.prompt : parsed.prompt[0]!;
  const req: ChatRequest = {
    model: parsed.model,
    messages: [{ role: 'user', content: [{ type: 'text', text: prompt }] }],
    stream: parsed.stream === true,
    includeUsage: parsed.stream_options?.include_usage === true,
    native: { dialect: 'openai-completions', body: body as Record<string, unknown> },
  };
  if (parsed.max_tokens != null) req.maxTokens = parsed.max_tokens;
  if (parsed.temperature != null) req.temperature = parsed.temperature;
  if (parsed.top_p != null) req.topP = parsed.top_p;
  if (parsed.stop != null) req.stop = typeof parsed.stop === 'string' ? [parsed.stop] : parsed.stop;
  if (parsed.seed != null) req.seed = parsed.seed;
  if (parsed.user !== undefined) req.user = parsed.user;
  return req;
}

/** With `echo`, the prompt comes back before the completion, as OpenAI's legacy API does. */
function echoed(req: ChatRequest): string {
  if (req.native?.body.echo !== true) return '';
  const first = req.messages[0]?.content[0];
  return first?.type === 'text' ? first.text : '';
}

function completionId(id: string): string {
  return id.startsWith('cmpl-') ? id : `cmpl-${id}`;
}

function usage(u: { inputTokens: number; outputTokens: number }): Record<string, number> {
  return {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.inputTokens + u.outputTokens,
  };
}

export function encodeCompletionResponse(result: ChatResult, req: ChatRequest): Record<string, unknown> {
  const { response } = result;
  const text = response.content.map((p) => (p.type === 'text' ? p.text : '')).join('');
  return {
    id: completionId(response.id),
    object: 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model: response.model,
    choices: [
      {
        text: echoed(req) + text,
        index: 0,
        logprobs: null,
        finish_reason: openaiFinishReason(response.finishReason),
      },
    ],
    usage: usage(response.usage),
  };
}

export class CompletionStreamEncoder {
  readonly #req: ChatRequest;
  readonly #created = Math.floor(Date.now() / 1000);
  #id: string;
  #model: string;
  #echo: string;
  #done = false;

  constructor(req: ChatRequest, requestId: string) {
    this.#req = req;
    this.#id = completionId(requestId);
    this.#model = req.model;
    this.#echo = echoed(req);
  }

  encode(chunk: StreamChunk, _dialect: Dialect): string {
    let out = '';
    for (const part of chunk.parts) {
      if (part.type === 'start') {
        this.#id = completionId(part.id);
        this.#model = part.model || this.#model;
      } else if (part.type === 'text') out += this.#choice(part.text, null);
      else if (part.type === 'finish') {
        out += this.#choice('', openaiFinishReason(part.finishReason));
        if (this.#req.includeUsage) out += this.#frame({ choices: [], usage: usage(part.usage) });
      }
    }
    return out;
  }

  end(): string {
    if (this.#done) return '';
    this.#done = true;
    return sseFrame('[DONE]');
  }

  error(err: GatehouseError): string {
    return sseFrame(JSON.stringify(errorBody(err, '')));
  }

  #choice(text: string, finishReason: string | null): string {
    const echo = this.#echo;
    this.#echo = '';
    return this.#frame({
      choices: [{ text: echo + text, index: 0, logprobs: null, finish_reason: finishReason }],
    });
  }

  #frame(fields: Record<string, unknown>): string {
    return sseFrame(
      JSON.stringify({
        id: this.#id,
        object: 'text_completion',
        created: this.#created,
        model: this.#model,
        ...fields,
      }),
    );
  }
}
