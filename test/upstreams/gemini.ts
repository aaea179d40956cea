// A protocol-faithful Gemini (Generative Language API) upstream, answering from the recorded fixtures
// in test/fixtures/providers/gemini. It checks what the real API checks where a gateway encoding bug
// would show (the API key, unknown fields, roles, empty parts, function calls only in model turns and
// function responses, named and as many as the calls, in the user turn after them) and answers in
// Google's error envelope otherwise: 400 INVALID_ARGUMENT, or error-400.json (API_KEY_INVALID) for a
// missing or wrong key, as the real API does.
//
// Paths (with or without a /v1beta or /v1 prefix, so base_url may be either):
//   POST /models/{model}:generateContent
//   POST /models/{model}:streamGenerateContent?alt=sse   (without alt=sse: one JSON array, as the real API)
//   POST /models/{model}:batchEmbedContents               (deterministic unit vectors, see geminiEmbedding)
//   POST /models/{model}:countTokens                      (see geminiCountTokens)
// Scenarios (the mock serves whatever model it is asked for, as `modelVersion`):
//  - tools declared (mode not NONE) and the last turn is a plain user turn
//                                        → response-function-call.json / stream-function-call.sse
//  - the last user turn carries functionResponse parts → response.json / stream.sse
//  - otherwise                           → response.json / stream.sse. The fixtures have one text answer
//    (the weather summary), so the plain and the final answer are the same text.
// Fault `stream-error` → on a stream, the first event then an in-stream 503 UNAVAILABLE error event;
// on a non-stream call, the 503 of error-503.json.
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { fixtureJson, fixtureText } from '../fixtures/index.ts';
import { type MockUpstream, type RecordedRequest, startUpstream, writeInPieces } from './server.ts';

export const geminiFixtureDir = 'gemini';

/** Parses a recorded `.sse` file (CRLF-framed `data:` events) into the event payloads. */
export function parseGeminiSse(text: string): any[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => JSON.parse(block.replace(/^data: /, '')));
}

const fixtures = {
  text: fixtureJson(geminiFixtureDir, 'response.json'),
  toolTurn: fixtureJson(geminiFixtureDir, 'response-function-call.json'),
  stream: parseGeminiSse(fixtureText(geminiFixtureDir, 'stream.sse')),
  streamTools: parseGeminiSse(fixtureText(geminiFixtureDir, 'stream-function-call.sse')),
  keyInvalid: fixtureJson(geminiFixtureDir, 'error-400.json'),
  overloaded: fixtureJson(geminiFixtureDir, 'error-503.json'),
};

/** The in-stream error the `stream-error` fault sends after the first event. */
export const geminiStreamErrorEvent = {
  error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' },
};

function partsOf(response: any): any[] {
  return response.candidates?.[0]?.content?.parts ?? [];
}

function textOf(responses: any[]): string {
  return responses
    .flatMap(partsOf)
    .filter((part) => typeof part.text === 'string' && !part.thought)
    .map((part) => part.text as string)
    .join('');
}

/** Gemini usage in IR terms: thoughts are output too, and kept as reasoning; the prompt count includes the cache. */
function irUsage(usage: any) {
  return {
    inputTokens: usage.promptTokenCount as number,
    outputTokens: (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0),
    ...(usage.cachedContentTokenCount !== undefined
      ? { cacheReadTokens: usage.cachedContentTokenCount as number }
      : {}),
    ...(usage.thoughtsTokenCount !== undefined
      ? { reasoningTokens: usage.thoughtsTokenCount as number }
      : {}),
  };
}

function toolCallsOf(responses: any[]) {
  return responses
    .flatMap(partsOf)
    .filter((part) => part.functionCall)
    .map((part) => ({
      name: part.functionCall.name as string,
      arguments: part.functionCall.args as Record<string, unknown>,
    }));
}

/**
 * What a client of the gateway should see, derived from the fixtures (never retyped). Gemini issues no
 * tool-call ids, so `toolCalls` have none: the gateway makes them up.
 */
export const geminiExpected = {
  /** The plain text answer (response.json); the fixtures' only text answer. */
  text: textOf([fixtures.text]),
  toolCalls: toolCallsOf([fixtures.toolTurn]),
  /** The thoughtSignature of each tool call in response-function-call.json (undefined where none). */
  toolSignatures: partsOf(fixtures.toolTurn)
    .filter((part) => part.functionCall)
    .map((part) => part.thoughtSignature as string | undefined),
  /** The answer after tool results: response.json again. */
  finalText: textOf([fixtures.text]),
  /** The text of stream.sse, streamed for both the plain and the final answer. */
  streamText: textOf(fixtures.stream),
  /** IR usage of the non-stream tool-call response (response-function-call.json). */
  usage: irUsage(fixtures.toolTurn.usageMetadata),
  /** IR usage of the non-stream text response (response.json). */
  textUsage: irUsage(fixtures.text.usageMetadata),
  /** IR usage of each stream's last event. */
  streamUsage: {
    text: irUsage(fixtures.stream.at(-1).usageMetadata),
    tools: irUsage(fixtures.streamTools.at(-1).usageMetadata),
  },
  /** The stream tool calls (stream-function-call.sse). */
  streamToolCalls: toolCallsOf(fixtures.streamTools),
  /** The text streamed before the in-stream error (the first event of stream.sse). */
  streamErrorText: textOf(fixtures.stream.slice(0, 1)),
  responseIds: { text: fixtures.text.responseId as string, toolTurn: fixtures.toolTurn.responseId as string },
};

/** The mock's embedding of a text: a deterministic unit vector seeded by the text's SHA-256. */
export function geminiEmbedding(text: string, dimensions = 768): number[] {
  const values: number[] = [];
  let block = createHash('sha256').update(text).digest();
  while (values.length < dimensions) {
    for (let i = 0; i + 1 < block.length && values.length < dimensions; i += 2) {
      values.push(block.readUInt16BE(i) / 32768 - 1);
    }
    block = createHash('sha256').update(block).digest();
  }
  const norm = Math.hypot(...values) || 1;
  return values.map((value) => value / norm);
}

/** The mock's countTokens answer: a quarter of the JSON length of systemInstruction + contents + tools, rounded up. */
export function geminiCountTokens(request: {
  systemInstruction?: unknown;
  contents?: unknown;
  tools?: unknown;
}): number {
  const { systemInstruction, contents, tools } = request;
  return Math.ceil(JSON.stringify({ systemInstruction, contents, tools }).length / 4);
}

export interface GeminiUpstreamOptions {
  /** When set, the key must equal it; by default any non-empty key passes. */
  apiKey?: string;
}

const route =
  /^(?:\/v1beta|\/v1)?\/models\/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents|countTokens)$/;

export function startGeminiUpstream(options: GeminiUpstreamOptions = {}): Promise<MockUpstream> {
  return startUpstream(async (req, res, fault) => {
    const url = new URL(req.url, 'http://mock');
    const match = req.method === 'POST' ? route.exec(url.pathname) : null;
    if (!match) return sendError(res, 404, 'NOT_FOUND', `Method not found: ${req.method} ${url.pathname}`);
    const model = decodeURIComponent(match[1]!);
    const method = match[2]!;
    const key = req.headers['x-goog-api-key'] ?? url.searchParams.get('key');
    if (typeof key !== 'string' || key === '' || (options.apiKey !== undefined && key !== options.apiKey)) {
      return sendJson(res, 400, fixtures.keyInvalid);
    }
    if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) {
      return sendError(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Expected an object.');
    }
    if (method === 'batchEmbedContents') return embed(res, req.body, model);
    if (method === 'countTokens') return countTokens(res, req.body);
    const problem = generateProblem(req.body, generateFields);
    if (problem) return sendError(res, 400, 'INVALID_ARGUMENT', problem);
    const stream = method === 'streamGenerateContent';
    if (fault?.kind === 'stream-error') {
      if (!stream) return sendJson(res, 503, fixtures.overloaded);
      const [first] = chooseScenario(req).events;
      return sendSse(res, [withModel(first, model), geminiStreamErrorEvent]);
    }
    const scenario = chooseScenario(req);
    if (!stream) return sendJson(res, 200, withModel(scenario.response, model));
    const events = scenario.events.map((event) => withModel(event, model));
    if (url.searchParams.get('alt') !== 'sse') return sendJson(res, 200, events);
    return sendSse(res, events);
  });
}

function chooseScenario(req: RecordedRequest): { response: any; events: any[] } {
  const body = req.body;
  const last = body.contents.at(-1);
  if (last.parts.some((part: any) => part.functionResponse))
    return { response: fixtures.text, events: fixtures.stream };
  const declared = (body.tools ?? []).some((tool: any) => tool.functionDeclarations?.length > 0);
  const mode = body.toolConfig?.functionCallingConfig?.mode ?? 'AUTO';
  if (declared && mode !== 'NONE' && last.role === 'user') {
    return { response: fixtures.toolTurn, events: fixtures.streamTools };
  }
  return { response: fixtures.text, events: fixtures.stream };
}

function withModel(response: any, model: string): any {
  return { ...response, modelVersion: model };
}

const generateFields = [
  'contents',
  'systemInstruction',
  'tools',
  'toolConfig',
  'generationConfig',
  'safetySettings',
  'cachedContent',
];

const generationConfigFields = new Set([
  'stopSequences',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'responseModalities',
  'candidateCount',
  'maxOutputTokens',
  'temperature',
  'topP',
  'topK',
  'seed',
  'presencePenalty',
  'frequencyPenalty',
  'responseLogprobs',
  'logprobs',
  'speechConfig',
  'thinkingConfig',
  'mediaResolution',
]);

/** What the real API would refuse in a GenerateContentRequest, as its error message; undefined when valid. */
function generateProblem(body: any, allowed: string[]): string | undefined {
  for (const field of Object.keys(body)) {
    if (!allowed.includes(field))
      return `Invalid JSON payload received. Unknown name "${field}": Cannot find field.`;
  }
  return (
    systemProblem(body.systemInstruction) ??
    generationConfigProblem(body.generationConfig) ??
    toolsProblem(body) ??
    contentsProblem(body.contents)
  );
}

function systemProblem(system: any): string | undefined {
  if (system === undefined) return undefined;
  if (!Array.isArray(system?.parts) || system.parts.length === 0)
    return '* GenerateContentRequest.system_instruction.parts: must not be empty';
  return system.parts.every((part: any) => typeof part?.text === 'string' && part.text !== '')
    ? undefined
    : '* GenerateContentRequest.system_instruction.parts: only non-empty text parts are allowed';
}

function generationConfigProblem(config: any): string | undefined {
  if (config === undefined) return undefined;
  for (const field of Object.keys(config)) {
    if (!generationConfigFields.has(field)) {
      return `Invalid JSON payload received. Unknown name "${field}" at 'generation_config': Cannot find field.`;
    }
  }
  if (config.responseSchema !== undefined && config.responseJsonSchema !== undefined) {
    return '* GenerateContentRequest.generation_config: responseSchema and responseJsonSchema cannot both be set';
  }
  if (config.responseJsonSchema !== undefined && config.responseMimeType !== 'application/json') {
    return '* GenerateContentRequest.generation_config.response_mime_type: must be application/json with a response schema';
  }
  const thinking = config.thinkingConfig;
  if (thinking !== undefined) {
    for (const field of Object.keys(thinking)) {
      if (!['thinkingBudget', 'includeThoughts', 'thinkingLevel'].includes(field)) {
        return `Invalid JSON payload received. Unknown name "${field}" at 'generation_config.thinking_config': Cannot find field.`;
      }
    }
  }
  return undefined;
}

function toolsProblem(body: any): string | undefined {
  const names = new Set<string>();
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) return "Invalid value at 'tools': expected a list";
    for (const [t, tool] of body.tools.entries()) {
      for (const [d, declaration] of (tool?.functionDeclarations ?? []).entries()) {
        const at = `* GenerateContentRequest.tools[${t}].function_declarations[${d}]`;
        if (
          typeof declaration?.name !== 'string' ||
          !/^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/.test(declaration.name)
        ) {
          return `${at}.name: Invalid function name. Must start with a letter or an underscore.`;
        }
        if (declaration.parameters !== undefined && declaration.parametersJsonSchema !== undefined) {
          return `${at}: parameters and parameters_json_schema cannot both be set`;
        }
        names.add(declaration.name);
      }
    }
  }
  const config = body.toolConfig?.functionCallingConfig;
  if (config === undefined) return undefined;
  if (!['AUTO', 'ANY', 'NONE', 'VALIDATED'].includes(config.mode)) {
    return `Invalid value at 'tool_config.function_calling_config.mode' (${config.mode})`;
  }
  for (const name of config.allowedFunctionNames ?? []) {
    if (config.mode !== 'ANY' && config.mode !== 'VALIDATED') {
      return '* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: only allowed when mode is ANY';
    }
    if (!names.has(name))
      return `* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: ${name} is not a declared function`;
  }
  return undefined;
}

function contentsProblem(contents: any): string | undefined {
  if (!Array.isArray(contents) || contents.length === 0)
    return '* GenerateContentRequest.contents: contents is not specified';
  if (contents[0]?.role !== 'user') return 'Please ensure that the conversation starts with a user turn.';
  for (const [c, content] of contents.entries()) {
    if (content?.role !== 'user' && content?.role !== 'model') return 'Please use a valid role: user, model.';
    if (!Array.isArray(content.parts) || content.parts.length === 0) {
      return `* GenerateContentRequest.contents[${c}].parts: contents.parts must not be empty.`;
    }
    for (const [p, part] of content.parts.entries()) {
      const problem = partProblem(part, content.role);
      if (problem) return `* GenerateContentRequest.contents[${c}].parts[${p}]${problem}`;
    }
    const answered = functionResponseProblem(contents, c);
    if (answered) return answered;
  }
  return undefined;
}

const dataFields = [
  'text',
  'inlineData',
  'fileData',
  'functionCall',
  'functionResponse',
  'executableCode',
  'codeExecutionResult',
];

function partProblem(part: any, role: string): string | undefined {
  const fields = dataFields.filter((field) => part?.[field] !== undefined);
  if (fields.length !== 1) return ".data: required oneof field 'data' must have one initialized field";
  if (part.text !== undefined) {
    return typeof part.text === 'string' && part.text !== ''
      ? undefined
      : ': Unable to submit request because it has an empty text parameter. Add a value to the parameter and try again.';
  }
  if (part.inlineData !== undefined) {
    const { mimeType, data } = part.inlineData;
    if (typeof mimeType !== 'string' || mimeType === '') return '.inline_data.mime_type: must not be empty';
    return typeof data === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(data)
      ? undefined
      : '.inline_data.data: invalid base64';
  }
  if (part.functionCall !== undefined) {
    if (role !== 'model') return '.function_call: a function call can only come from the model';
    if (typeof part.functionCall.name !== 'string' || part.functionCall.name === '')
      return '.function_call.name: Name cannot be empty.';
    const args = part.functionCall.args;
    return args === undefined || (args && typeof args === 'object' && !Array.isArray(args))
      ? undefined
      : '.function_call.args: must be an object';
  }
  if (part.functionResponse !== undefined) {
    if (role !== 'user') return '.function_response: function responses must be in a user turn';
    if (typeof part.functionResponse.name !== 'string' || part.functionResponse.name === '') {
      return '.function_response.name: Name cannot be empty.';
    }
    const response = part.functionResponse.response;
    return response && typeof response === 'object' && !Array.isArray(response)
      ? undefined
      : '.function_response.response: must be an object';
  }
  return undefined;
}

/** A turn of function calls must be answered by the next turn with as many function responses, by name. */
function functionResponseProblem(contents: any[], c: number): string | undefined {
  const calls = (content: any): any[] => (content?.parts ?? []).filter((part: any) => part.functionCall);
  const responses = (content: any): any[] =>
    (content?.parts ?? []).filter((part: any) => part.functionResponse);
  const content = contents[c];
  if (content.role === 'user' && responses(content).length > 0) {
    const asked = calls(contents[c - 1]);
    if (asked.length !== responses(content).length) {
      return 'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.';
    }
    const names = new Set(asked.map((part) => part.functionCall.name));
    const stray = responses(content).find((part) => !names.has(part.functionResponse.name));
    if (stray)
      return `* GenerateContentRequest.contents[${c}]: function response "${stray.functionResponse.name}" answers no function call`;
  }
  if (
    content.role === 'model' &&
    calls(content).length > 0 &&
    contents[c + 1] &&
    responses(contents[c + 1]).length === 0
  ) {
    return `* GenerateContentRequest.contents[${c + 1}]: the turn after a function call must carry the function responses`;
  }
  return undefined;
}

/** What the real API would refuse in a BatchEmbedContentsRequest, as its error message; undefined when valid. */
function embedProblem(body: any, model: string): string | undefined {
  for (const field of Object.keys(body)) {
    if (field !== 'requests')
      return `Invalid JSON payload received. Unknown name "${field}": Cannot find field.`;
  }
  const requests = body.requests;
  if (!Array.isArray(requests) || requests.length === 0) {
    return '* BatchEmbedContentsRequest.requests: requests is not specified';
  }
  if (requests.length > 100)
    return '* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch';
  for (const [i, request] of requests.entries()) {
    const at = `* BatchEmbedContentsRequest.requests[${i}]`;
    if (request?.model !== `models/${model}`)
      return `${at}.model: the model must be models/${model}, as in the URL`;
    const parts = request.content?.parts;
    if (
      !Array.isArray(parts) ||
      parts.length === 0 ||
      !parts.every((p: any) => typeof p?.text === 'string' && p.text !== '')
    ) {
      return `${at}.content.parts: non-empty text parts are required`;
    }
    const dims = request.outputDimensionality;
    if (dims !== undefined && (!Number.isInteger(dims) || dims < 1)) {
      return `${at}.output_dimensionality: must be a positive integer`;
    }
  }
  return undefined;
}

function embed(res: ServerResponse, body: any, model: string): void {
  const problem = embedProblem(body, model);
  if (problem) {
    sendError(res, 400, 'INVALID_ARGUMENT', problem);
    return;
  }
  sendJson(res, 200, {
    embeddings: body.requests.map((request: any) => ({
      values: geminiEmbedding(
        request.content.parts.map((p: any) => p.text).join(''),
        request.outputDimensionality,
      ),
    })),
  });
}

function countTokens(res: ServerResponse, body: any): void {
  const request = body.generateContentRequest ?? body;
  const problem = body.generateContentRequest
    ? generateProblem(request, ['model', ...generateFields])
    : generateProblem(body, ['contents']);
  if (problem) sendError(res, 400, 'INVALID_ARGUMENT', problem);
  else sendJson(res, 200, { totalTokens: geminiCountTokens(request), promptTokensDetails: [] });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, code: number, status: string, message: string): void {
  sendJson(res, code, { error: { code, message, status } });
}

/** Writes events CRLF-framed, as the real API and the fixtures do, in odd-sized pieces. */
async function sendSse(res: ServerResponse, events: any[]): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  await writeInPieces(res, events.map((event) => `data: ${JSON.stringify(event)}\r\n\r\n`).join(''), 7);
}
