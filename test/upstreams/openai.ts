// A protocol-faithful OpenAI upstream (Chat Completions and Embeddings), answering from the recorded
// fixtures in test/fixtures/providers/openai-chat and openai-embeddings. It serves OpenAI's paths
// (`/v1/chat/completions`, `/v1/embeddings`, bearer auth) and Azure's
// (`/openai/deployments/{deployment}/chat/completions|embeddings?api-version=…`, `api-key` auth), and
// checks what the real API checks where a gateway encoding bug would show: auth, required fields,
// message shapes (arguments as JSON *strings*, content null only beside tool_calls), tool messages
// that answer the preceding assistant's tool_calls (and every call answered), tool_choice and
// parallel_tool_calls only with tools, stream_options only when streaming, max_tokens refused by
// o-series models (error-400.json). Refusals are 400s in OpenAI's envelope (Azure's own for its auth).
//
// Scenarios (the mock serves whatever `model` it is asked for; on Azure, the deployment):
//  - tools offered (tool_choice not "none") and the last message is a user turn
//                                  → response-tool-calls.json (two parallel get_weather calls) / stream-tools.sse
//  - the last message is a `tool` result → response.json (the final answer) / stream-text.sse
//  - otherwise                      → a plain text answer: a chat.completion assembled from stream-text.sse
//                                    (there is no separate non-stream plain-text fixture) / stream-text.sse
// Streams carry the fixture's `choices: []` usage chunk (and `usage: null` on the others) only when
// `stream_options.include_usage` is true, as the real API does. `n > 1` repeats the choice per index.
// Fault `stream-error` → on a stream, the first chunk then an in-stream `{"error":…}` payload and the
// end of the body; on a non-stream request, HTTP 500 with error-500.json.
import type { ServerResponse } from 'node:http';
import { fixtureJson, fixtureText } from '../fixtures/index.ts';
import { type MockUpstream, type RecordedRequest, startUpstream, writeInPieces } from './server.ts';

export const openaiFixtureDir = 'openai-chat';
export const openaiEmbeddingsFixtureDir = 'openai-embeddings';

/** Parses a recorded `.sse` file into its `data:` payloads, in order (`[DONE]` kept as the string). */
export function parseOpenAISse(text: string): Array<any | '[DONE]'> {
  return text
    .split(/\n\n+/)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const data = block.slice(block.indexOf('data: ') + 'data: '.length).trim();
      return data === '[DONE]' ? data : JSON.parse(data);
    });
}

const fixtures = {
  toolTurn: fixtureJson(openaiFixtureDir, 'response-tool-calls.json'),
  final: fixtureJson(openaiFixtureDir, 'response.json'),
  error400: fixtureJson(openaiFixtureDir, 'error-400.json'),
  error500: fixtureJson(openaiFixtureDir, 'error-500.json'),
  streamText: chunksOf(fixtureText(openaiFixtureDir, 'stream-text.sse')),
  streamTools: chunksOf(fixtureText(openaiFixtureDir, 'stream-tools.sse')),
  embeddingsRequest: fixtureJson(openaiEmbeddingsFixtureDir, 'request.json'),
  embeddings: fixtureJson(openaiEmbeddingsFixtureDir, 'response.json'),
};

function chunksOf(text: string): any[] {
  return parseOpenAISse(text).filter((data) => data !== '[DONE]');
}

/** The in-stream error the mock sends for the `stream-error` fault. */
export const openaiStreamErrorPayload = {
  error: {
    message: 'The server had an error while processing your request.',
    type: 'server_error',
    param: null,
    code: null,
  },
};

function streamedText(chunks: any[]): string {
  return chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
}

function streamedUsage(chunks: any[]): any {
  return chunks.find((c) => c.choices.length === 0).usage;
}

/** OpenAI usage in IR terms: prompt_tokens already includes the cache, completion_tokens the reasoning. */
function irUsage(usage: any) {
  return {
    inputTokens: usage.prompt_tokens as number,
    outputTokens: usage.completion_tokens as number,
    cacheReadTokens: usage.prompt_tokens_details.cached_tokens as number,
    reasoningTokens: usage.completion_tokens_details.reasoning_tokens as number,
  };
}

/** The plain text answer: stream-text.sse as one chat.completion (its id, model, text and usage). */
const plainTextCompletion = (() => {
  const first = fixtures.streamText[0];
  const finish = fixtures.streamText.find((c) => c.choices[0]?.finish_reason);
  return {
    id: first.id,
    object: 'chat.completion',
    created: first.created,
    model: first.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: streamedText(fixtures.streamText),
          refusal: null,
          annotations: [],
        },
        logprobs: null,
        finish_reason: finish.choices[0].finish_reason,
      },
    ],
    usage: streamedUsage(fixtures.streamText),
    service_tier: first.service_tier,
    system_fingerprint: first.system_fingerprint,
  };
})();

/** What a client of the gateway should see, derived from the fixtures (never retyped). */
export const openaiExpected = {
  /** The plain text answer (non-stream): stream-text.sse's text, served as one completion. */
  text: plainTextCompletion.choices[0]!.message.content,
  /** The tool-call turn (response-tool-calls.json; stream-tools.sse streams the same calls). */
  toolCalls: fixtures.toolTurn.choices[0].message.tool_calls.map((call: any) => ({
    id: call.id as string,
    name: call.function.name as string,
    arguments: JSON.parse(call.function.arguments) as Record<string, unknown>,
  })),
  /** The answer after tool results (non-stream): response.json. */
  finalText: fixtures.final.choices[0].message.content as string,
  /** The text of stream-text.sse, streamed for both the plain and the final answer. */
  streamText: streamedText(fixtures.streamText),
  /** IR usage of the non-stream tool-call response (response-tool-calls.json). */
  usage: irUsage(fixtures.toolTurn.usage),
  /** IR usage of the final answer (response.json: cached and reasoning tokens). */
  finalUsage: irUsage(fixtures.final.usage),
  /** IR usage of the plain text answer, and at the end of each stream (when usage was asked for). */
  textUsage: irUsage(plainTextCompletion.usage),
  streamUsage: {
    text: irUsage(streamedUsage(fixtures.streamText)),
    tools: irUsage(streamedUsage(fixtures.streamTools)),
  },
  finishReasons: {
    text: plainTextCompletion.choices[0]!.finish_reason as string,
    toolTurn: fixtures.toolTurn.choices[0].finish_reason as string,
    final: fixtures.final.choices[0].finish_reason as string,
  },
  /** The text streamed before the `stream-error` fault's error (the first chunk's). */
  streamErrorText: streamedText(fixtures.streamText.slice(0, 1)),
  /** The vectors of openai-embeddings/response.json, and its usage, for its own request's input. */
  embeddings: fixtures.embeddings.data.map((d: any) => d.embedding as number[]),
  embeddingsInput: fixtures.embeddingsRequest.input as string[],
  embeddingsUsage: { inputTokens: fixtures.embeddings.usage.prompt_tokens as number },
};

/** The mock's vector for input `i`: the fixture's vectors in turn, rotated once per round, resized to `dimensions`. */
export function openaiMockEmbedding(i: number, dimensions?: number): number[] {
  const vectors = openaiExpected.embeddings;
  const base = vectors[i % vectors.length]!;
  const shift = Math.floor(i / vectors.length) % base.length;
  const rotated = [...base.slice(shift), ...base.slice(0, shift)];
  const size = dimensions ?? rotated.length;
  return Array.from({ length: size }, (_, k) => rotated[k % rotated.length]!);
}

/** The mock's embeddings usage: the fixture's for the fixture's input, else a quarter of the characters. */
export function openaiEmbeddingTokens(input: unknown): number {
  if (JSON.stringify(input) === JSON.stringify(openaiExpected.embeddingsInput)) {
    return openaiExpected.embeddingsUsage.inputTokens;
  }
  const items = Array.isArray(input) ? input : [input];
  return items.reduce(
    (sum: number, item) =>
      sum + (typeof item === 'string' ? Math.ceil(item.length / 4) : Array.isArray(item) ? item.length : 1),
    0,
  );
}

export interface OpenAIUpstreamOptions {
  /** When set, the bearer token (or Azure `api-key`) must equal it; by default any non-empty key passes. */
  apiKey?: string;
  /** Accept requests without any key, as a local compatible server (vLLM, Ollama) does. */
  anonymous?: boolean;
}

interface Route {
  kind: 'chat' | 'embeddings';
  /** The Azure deployment, when the request came on Azure's path. */
  deployment?: string;
}

interface Problem {
  message: string;
  param?: string | null;
  code?: string | null;
}

let requestCounter = 0;

export function startOpenAIUpstream(options: OpenAIUpstreamOptions = {}): Promise<MockUpstream> {
  return startUpstream(async (req, res, fault) => {
    const [path = '', query = ''] = req.url.split('?');
    const route = routeOf(req.method, path);
    if (!route) {
      return sendError(res, 404, {
        message: `Invalid URL (${req.method} ${path})`,
        type: 'invalid_request_error',
      });
    }
    const azure = route.deployment !== undefined;
    if (azure && !new URLSearchParams(query).get('api-version')) {
      return sendJson(res, 404, { error: { code: '404', message: 'Resource not found' } });
    }
    const authProblem = azure ? azureAuthProblem(req, options) : bearerAuthProblem(req, options);
    if (authProblem) return sendJson(res, 401, authProblem);
    if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) {
      return sendError(res, 400, {
        message:
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)",
        type: 'invalid_request_error',
      });
    }
    const model = route.deployment ?? req.body.model;
    if (typeof model !== 'string' || model === '') {
      return sendError(res, 400, {
        message: 'you must provide a model parameter',
        type: 'invalid_request_error',
      });
    }
    if (route.kind === 'embeddings') {
      const problem = embeddingsProblem(req.body);
      if (problem) return sendError(res, 400, { type: 'invalid_request_error', ...problem });
      return sendJson(res, 200, embeddingsAnswer(req.body, model));
    }
    if (/^o\d/.test(model) && req.body.max_tokens !== undefined) return sendJson(res, 400, fixtures.error400);
    const problem = chatProblem(req.body);
    if (problem) return sendError(res, 400, { type: 'invalid_request_error', ...problem });
    const n = req.body.n ?? 1;
    const scenario = chooseScenario(req);
    const stream = req.body.stream === true;
    if (fault?.kind === 'stream-error') {
      if (!stream) return sendJson(res, 500, fixtures.error500);
      return sendStreamError(res, scenario.stream[0], model);
    }
    if (stream) {
      return sendStream(res, scenario.stream, model, n, req.body.stream_options?.include_usage === true);
    }
    return sendJson(res, 200, {
      ...scenario.completion,
      model,
      choices: Array.from({ length: n }, (_, index) => ({ ...scenario.completion.choices[0], index })),
    });
  });
}

function routeOf(method: string, path: string): Route | undefined {
  if (method !== 'POST') return undefined;
  if (path === '/v1/chat/completions') return { kind: 'chat' };
  if (path === '/v1/embeddings') return { kind: 'embeddings' };
  const azure = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/.exec(path);
  if (!azure) return undefined;
  return {
    kind: azure[2] === 'embeddings' ? 'embeddings' : 'chat',
    deployment: decodeURIComponent(azure[1]!),
  };
}

function bearerAuthProblem(req: RecordedRequest, options: OpenAIUpstreamOptions): unknown {
  const header = req.headers.authorization;
  if (header === undefined && options.anonymous) return undefined;
  const key = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
  if (key === '') {
    return envelope({
      message:
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      type: 'invalid_request_error',
    });
  }
  if (options.apiKey !== undefined && key !== options.apiKey) {
    return envelope({
      message: `Incorrect API key provided: ${key.slice(0, 3)}***. You can find your API key at https://platform.openai.com/account/api-keys.`,
      type: 'invalid_request_error',
      code: 'invalid_api_key',
    });
  }
  return undefined;
}

function azureAuthProblem(req: RecordedRequest, options: OpenAIUpstreamOptions): unknown {
  const key = req.headers['api-key'];
  if (typeof key === 'string' && key !== '' && (options.apiKey === undefined || key === options.apiKey)) {
    return undefined;
  }
  return {
    error: {
      code: '401',
      message:
        'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
    },
  };
}

function chooseScenario(req: RecordedRequest): { completion: any; stream: any[] } {
  const body = req.body;
  const last = body.messages.at(-1);
  if (last.role === 'tool') return { completion: fixtures.final, stream: fixtures.streamText };
  const toolsOffered = Array.isArray(body.tools) && body.tools.length > 0 && body.tool_choice !== 'none';
  if (toolsOffered && last.role === 'user') {
    return { completion: fixtures.toolTurn, stream: fixtures.streamTools };
  }
  return { completion: plainTextCompletion, stream: fixtures.streamText };
}

/** What the real API would refuse in a chat completions body; undefined when valid. */
function chatProblem(body: any): Problem | undefined {
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return {
      message: "Invalid 'messages': empty array. Expected an array with minimum length 1.",
      param: 'messages',
    };
  }
  for (const [i, message] of body.messages.entries()) {
    const problem = messageProblem(message, `messages[${i}]`);
    if (problem) return problem;
  }
  return (
    toolMessagesProblem(body.messages) ??
    toolsProblem(body) ??
    (body.stream_options !== undefined && body.stream !== true
      ? {
          message: "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
          param: 'stream_options',
        }
      : undefined) ??
    numberProblem(body, 'n', (v) => Number.isInteger(v) && v >= 1 && v <= 128) ??
    numberProblem(body, 'temperature', (v) => v >= 0 && v <= 2) ??
    numberProblem(body, 'top_p', (v) => v >= 0 && v <= 1) ??
    numberProblem(body, 'max_completion_tokens', (v) => Number.isInteger(v) && v >= 1) ??
    responseFormatProblem(body.response_format)
  );
}

function messageProblem(message: any, at: string): Problem | undefined {
  const invalidContent = (): Problem => ({
    message: `Invalid value for '${at}.content'.`,
    param: `${at}.content`,
  });
  switch (message?.role) {
    case 'system':
    case 'developer':
      if (typeof message.content === 'string') return undefined;
      return Array.isArray(message.content) && message.content.every((p: any) => p?.type === 'text')
        ? undefined
        : invalidContent();
    case 'user':
      if (typeof message.content === 'string') return undefined;
      if (!Array.isArray(message.content) || message.content.length === 0) return invalidContent();
      for (const [j, part] of message.content.entries()) {
        const problem = userPartProblem(part, `${at}.content[${j}]`);
        if (problem) return problem;
      }
      return undefined;
    case 'assistant':
      return assistantProblem(message, at);
    case 'tool':
      if (typeof message.tool_call_id !== 'string') {
        return { message: `Missing required parameter: '${at}.tool_call_id'.`, param: `${at}.tool_call_id` };
      }
      return typeof message.content === 'string' || Array.isArray(message.content)
        ? undefined
        : invalidContent();
    default:
      return {
        message: `Invalid value: '${message?.role}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`,
        param: `${at}.role`,
      };
  }
}

function userPartProblem(part: any, at: string): Problem | undefined {
  switch (part?.type) {
    case 'text':
      return typeof part.text === 'string'
        ? undefined
        : { message: `Missing required parameter: '${at}.text'.` };
    case 'image_url': {
      const url = part.image_url?.url;
      if (typeof url === 'string' && (/^https?:\/\//.test(url) || /^data:image\/[a-z+]+;base64,/.test(url))) {
        return undefined;
      }
      return {
        message: `Invalid image URL: '${at}.image_url'. Expected a base64-encoded data URL with an image MIME type or a valid URL.`,
        param: `${at}.image_url`,
        code: 'invalid_image_url',
      };
    }
    case 'input_audio':
    case 'file':
      return undefined;
    default:
      return {
        message: `Invalid value: '${part?.type}'. Supported values are: 'text', 'image_url', 'input_audio', 'refusal', 'audio', and 'file'.`,
        param: `${at}.type`,
      };
  }
}

function assistantProblem(message: any, at: string): Problem | undefined {
  const calls = message.tool_calls;
  if (message.content === null || message.content === undefined) {
    if (!Array.isArray(calls) || calls.length === 0) {
      return {
        message: `Invalid value for '${at}.content': expected a string, got null.`,
        param: `${at}.content`,
      };
    }
  } else if (typeof message.content !== 'string' && !Array.isArray(message.content)) {
    return { message: `Invalid type for '${at}.content'.`, param: `${at}.content` };
  }
  if (calls === undefined) return undefined;
  if (!Array.isArray(calls) || calls.length === 0) {
    return { message: `Invalid '${at}.tool_calls': empty array. Expected an array with minimum length 1.` };
  }
  for (const [k, call] of calls.entries()) {
    const where = `${at}.tool_calls[${k}]`;
    if (typeof call?.id !== 'string' || call.id === '')
      return { message: `Missing required parameter: '${where}.id'.` };
    if (call.type !== 'function') return { message: `Missing required parameter: '${where}.type'.` };
    if (typeof call.function?.name !== 'string')
      return { message: `Missing required parameter: '${where}.function.name'.` };
    if (typeof call.function.arguments !== 'string') {
      return {
        message: `Invalid type for '${where}.function.arguments': expected a string, but got ${typeof call.function.arguments} instead.`,
        param: `${where}.function.arguments`,
      };
    }
  }
  return undefined;
}

/** Tool messages must answer the assistant turn just before them, and every call must be answered. */
function toolMessagesProblem(messages: any[]): Problem | undefined {
  let open: Set<string> | undefined;
  let asked: Set<string> | undefined;
  for (const [i, message] of messages.entries()) {
    if (message.role === 'tool') {
      if (!asked?.has(message.tool_call_id)) {
        return {
          message:
            "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          param: `messages.[${i}].role`,
        };
      }
      open?.delete(message.tool_call_id);
      continue;
    }
    if (open && open.size > 0) {
      return {
        message: `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open].join(', ')}`,
        param: 'messages',
      };
    }
    asked = open = undefined;
    if (message.role === 'assistant' && Array.isArray(message.tool_calls)) {
      asked = new Set(message.tool_calls.map((c: any) => c.id));
      open = new Set(asked);
    }
  }
  return undefined;
}

function toolsProblem(body: any): Problem | undefined {
  const tools = body.tools;
  if (tools !== undefined) {
    if (!Array.isArray(tools))
      return { message: "Invalid type for 'tools': expected an array.", param: 'tools' };
    for (const [i, tool] of tools.entries()) {
      if (tool?.type !== 'function')
        return { message: `Missing required parameter: 'tools[${i}].type'.`, param: `tools[${i}].type` };
      if (!tool.function || typeof tool.function !== 'object') {
        return {
          message: `Missing required parameter: 'tools[${i}].function'.`,
          param: `tools[${i}].function`,
        };
      }
      if (typeof tool.function.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(tool.function.name)) {
        return {
          message: `Invalid 'tools[${i}].function.name': string does not match pattern.`,
          param: `tools[${i}].function.name`,
        };
      }
      const parameters = tool.function.parameters;
      if (parameters !== undefined && (typeof parameters !== 'object' || Array.isArray(parameters))) {
        return { message: `Invalid type for 'tools[${i}].function.parameters': expected an object.` };
      }
    }
  }
  const offered = Array.isArray(tools) && tools.length > 0;
  for (const field of ['tool_choice', 'parallel_tool_calls']) {
    if (body[field] !== undefined && !offered) {
      return {
        message: `Invalid value for '${field}': '${field}' is only allowed when 'tools' are specified.`,
        param: field,
      };
    }
  }
  const choice = body.tool_choice;
  if (choice === undefined || ['auto', 'none', 'required'].includes(choice)) return undefined;
  if (choice?.type === 'function' && typeof choice.function?.name === 'string') {
    return tools.some((t: any) => t.function.name === choice.function.name)
      ? undefined
      : {
          message: `Invalid value for 'tool_choice': tool '${choice.function.name}' is not in 'tools'.`,
          param: 'tool_choice',
        };
  }
  return { message: "Invalid value for 'tool_choice'.", param: 'tool_choice' };
}

function numberProblem(body: any, field: string, valid: (value: number) => boolean): Problem | undefined {
  const value = body[field];
  if (value === undefined || (typeof value === 'number' && valid(value))) return undefined;
  return { message: `Invalid value for '${field}': ${JSON.stringify(value)}.`, param: field };
}

function responseFormatProblem(format: any): Problem | undefined {
  if (format === undefined || format?.type === 'text' || format?.type === 'json_object') return undefined;
  if (format?.type !== 'json_schema')
    return { message: "Invalid value for 'response_format.type'.", param: 'response_format.type' };
  if (typeof format.json_schema?.name !== 'string') {
    return {
      message: "Missing required parameter: 'response_format.json_schema.name'.",
      param: 'response_format.json_schema.name',
    };
  }
  return undefined;
}

function embeddingsProblem(body: any): Problem | undefined {
  const input = body.input;
  const invalid = {
    message:
      "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
    param: null,
  };
  const items = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(items) || items.length === 0 || items.length > 2048) return invalid;
  const ok = items.every(
    (item: unknown) =>
      (typeof item === 'string' && item !== '') ||
      Number.isInteger(item) ||
      (Array.isArray(item) && item.length > 0 && item.every(Number.isInteger)),
  );
  if (!ok) return invalid;
  if (body.encoding_format !== undefined && !['float', 'base64'].includes(body.encoding_format)) {
    return { message: "Invalid value for 'encoding_format'.", param: 'encoding_format' };
  }
  return numberProblem(body, 'dimensions', (v) => Number.isInteger(v) && v >= 1);
}

function embeddingsAnswer(body: any, model: string): unknown {
  const items =
    typeof body.input === 'string' || Number.isInteger(body.input?.[0]) ? [body.input] : body.input;
  const tokens = openaiEmbeddingTokens(body.input);
  return {
    object: 'list',
    data: items.map((_: unknown, index: number) => {
      const vector = openaiMockEmbedding(index, body.dimensions);
      return {
        object: 'embedding',
        index,
        embedding: body.encoding_format === 'base64' ? base64Float32(vector) : vector,
      };
    }),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

/** Little-endian float32, as OpenAI's `encoding_format: base64` answers. */
export function base64Float32(vector: number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (const [k, value] of vector.entries()) bytes.writeFloatLE(value, k * 4);
  return bytes.toString('base64');
}

function envelope(error: { message: string; type: string; param?: string | null; code?: string | null }) {
  return {
    error: { message: error.message, type: error.type, param: error.param ?? null, code: error.code ?? null },
  };
}

function requestId(): string {
  return `req_mock${String(++requestCounter).padStart(24, '0')}`;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': requestId() });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, error: Problem & { type: string }): void {
  sendJson(res, status, envelope(error));
}

function streamHeaders(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-request-id': requestId(),
  });
}

/** One chunk as served: the requested model, and `usage` only when the client asked for usage. */
function servedChunk(chunk: any, model: string, includeUsage: boolean): any {
  const served = { ...chunk, model };
  if (!includeUsage) delete served.usage;
  return served;
}

/** Writes a fixture stream in odd-sized pieces; the usage chunk only when asked for, one choice per `n`. */
async function sendStream(
  res: ServerResponse,
  chunks: any[],
  model: string,
  n: number,
  includeUsage: boolean,
): Promise<void> {
  streamHeaders(res);
  const served: any[] = [];
  for (const chunk of chunks) {
    if (chunk.choices.length === 0) {
      if (includeUsage) served.push(servedChunk(chunk, model, true));
      continue;
    }
    for (let index = 0; index < n; index++) {
      const choices = chunk.choices.map((choice: any) => ({ ...choice, index }));
      served.push(servedChunk({ ...chunk, choices }, model, includeUsage));
    }
  }
  const text = served.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join('') + 'data: [DONE]\n\n';
  await writeInPieces(res, text, 7);
}

async function sendStreamError(res: ServerResponse, first: any, model: string): Promise<void> {
  streamHeaders(res);
  const text =
    `data: ${JSON.stringify(servedChunk(first, model, true))}\n\n` +
    `data: ${JSON.stringify(openaiStreamErrorPayload)}\n\n`;
  await writeInPieces(res, text, 7);
}
