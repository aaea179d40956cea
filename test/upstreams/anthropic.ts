// A protocol-faithful Anthropic Messages upstream, answering from the recorded fixtures in
// test/fixtures/providers/anthropic-messages. It checks what the real API checks where a gateway
// encoding bug would show (auth and version headers, max_tokens, role alternation, tool results that
// answer the previous turn's tool_use blocks, the thinking budget, count_tokens' accepted fields) and
// answers 400/401/404 in Anthropic's error envelope otherwise.
//
// Scenarios (the mock serves whatever `model` it is asked for):
//  - `thinking` enabled                        → response-thinking.json / stream-thinking.sse
//  - tools offered (tool_choice not none) and the last message is a plain user turn
//                                               → response.json (the FIRST turn: text + 2 tool_use) / stream-tools.sse
//  - the last user turn carries tool_result blocks → the final answer: a message whose text is the text of
//    stream-text.sse (the fixtures' weather answer; there is no non-stream final-answer fixture), with the
//    id and usage of that stream                / stream-text.sse
//  - otherwise (plain text)                     → response-thinking.json without its thinking block / stream-text.sse
// Fault `stream-error` → stream-error-overloaded.sse on a stream; the 529 error-overloaded-529.json otherwise.
import type { ServerResponse } from 'node:http';
import { fixtureJson, fixtureText } from '../fixtures/index.ts';
import { type MockUpstream, type RecordedRequest, startUpstream, writeInPieces } from './server.ts';

export const anthropicFixtureDir = 'anthropic-messages';

interface FixtureEvent {
  event: string;
  data: any;
}

/** Parses a recorded `.sse` file into its events (fixtures only: `event:` + one `data:` line each). */
export function parseAnthropicSse(text: string): FixtureEvent[] {
  return text
    .split(/\n\n+/)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))!.slice('event: '.length);
      const data = lines.find((l) => l.startsWith('data: '))!.slice('data: '.length);
      return { event, data: JSON.parse(data) };
    });
}

const fixtures = {
  toolTurn: fixtureJson(anthropicFixtureDir, 'response.json'),
  thinking: fixtureJson(anthropicFixtureDir, 'response-thinking.json'),
  overloaded: fixtureJson(anthropicFixtureDir, 'error-overloaded-529.json'),
  streamText: parseAnthropicSse(fixtureText(anthropicFixtureDir, 'stream-text.sse')),
  streamTools: parseAnthropicSse(fixtureText(anthropicFixtureDir, 'stream-tools.sse')),
  streamThinking: parseAnthropicSse(fixtureText(anthropicFixtureDir, 'stream-thinking.sse')),
  streamError: parseAnthropicSse(fixtureText(anthropicFixtureDir, 'stream-error-overloaded.sse')),
};

function streamedText(events: FixtureEvent[]): string {
  return events
    .filter((e) => e.event === 'content_block_delta' && e.data.delta.type === 'text_delta')
    .map((e) => e.data.delta.text as string)
    .join('');
}

/** The usage a stream ends with: message_start's, overlaid with message_delta's cumulative counts. */
function streamedUsage(events: FixtureEvent[]): any {
  const start = events.find((e) => e.event === 'message_start')!.data.message.usage;
  const delta = events.find((e) => e.event === 'message_delta')!.data.usage;
  return { ...start, ...delta };
}

/** Anthropic usage in IR terms: input_tokens excludes the cache, so reads and writes are added back. */
function irUsage(usage: any) {
  return {
    inputTokens: usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens,
    outputTokens: usage.output_tokens,
    cacheReadTokens: usage.cache_read_input_tokens as number,
    cacheWriteTokens: usage.cache_creation_input_tokens as number,
  };
}

const plainTextMessage = {
  ...fixtures.thinking,
  content: fixtures.thinking.content.filter((b: any) => b.type === 'text'),
};

const finalAnswerMessage = (() => {
  const start = fixtures.streamText.find((e) => e.event === 'message_start')!.data.message;
  const delta = fixtures.streamText.find((e) => e.event === 'message_delta')!.data.delta;
  return {
    ...start,
    content: [{ type: 'text', text: streamedText(fixtures.streamText) }],
    stop_reason: delta.stop_reason,
    stop_sequence: delta.stop_sequence,
    usage: streamedUsage(fixtures.streamText),
  };
})();

/** What a client of the gateway should see, derived from the fixtures (never retyped). */
export const anthropicExpected = {
  /** The plain text answer (non-stream): response-thinking.json's text block. */
  text: plainTextMessage.content[0].text as string,
  /** The tool-call turn's leading text (response.json / stream-tools.sse). */
  toolText: fixtures.toolTurn.content.find((b: any) => b.type === 'text').text as string,
  toolCalls: fixtures.toolTurn.content
    .filter((b: any) => b.type === 'tool_use')
    .map((b: any) => ({
      id: b.id as string,
      name: b.name as string,
      arguments: b.input as Record<string, unknown>,
    })),
  /** The answer after tool results (non-stream); the same text stream-text.sse streams. */
  finalText: finalAnswerMessage.content[0].text as string,
  /** The text of stream-text.sse, streamed for both the plain and the final answer. */
  streamText: streamedText(fixtures.streamText),
  /** IR usage of the non-stream tool-call response (response.json). */
  usage: irUsage(fixtures.toolTurn.usage),
  /** IR usage at the end of each stream fixture. */
  streamUsage: {
    text: irUsage(streamedUsage(fixtures.streamText)),
    tools: irUsage(streamedUsage(fixtures.streamTools)),
    thinking: irUsage(streamedUsage(fixtures.streamThinking)),
  },
  thinking: {
    text: fixtures.thinking.content.find((b: any) => b.type === 'thinking').thinking as string,
    signature: fixtures.thinking.content.find((b: any) => b.type === 'thinking').signature as string,
    answer: fixtures.thinking.content.find((b: any) => b.type === 'text').text as string,
    usage: irUsage(fixtures.thinking.usage),
  },
  /** The text streamed before the in-stream overloaded error. */
  streamErrorText: streamedText(fixtures.streamError),
};

/** The mock's count_tokens answer: a quarter of the JSON length of system + messages + tools, rounded up. */
export function anthropicCountTokens(body: {
  system?: unknown;
  messages?: unknown;
  tools?: unknown;
}): number {
  return Math.ceil(
    JSON.stringify({ system: body.system, messages: body.messages, tools: body.tools }).length / 4,
  );
}

/** Fields /v1/messages/count_tokens accepts; anything else is refused as the real API does. */
const countTokensFields = new Set([
  'model',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'thinking',
  'cache_control',
  'output_config',
  'speed',
  'mcp_servers',
  'context_management',
]);

export interface AnthropicUpstreamOptions {
  /** When set, `x-api-key` must equal it (401 otherwise); by default any non-empty key passes. */
  apiKey?: string;
}

let requestCounter = 0;

export function startAnthropicUpstream(options: AnthropicUpstreamOptions = {}): Promise<MockUpstream> {
  return startUpstream(async (req, res, fault) => {
    const path = req.url.split('?')[0];
    if (req.method !== 'POST' || (path !== '/v1/messages' && path !== '/v1/messages/count_tokens')) {
      return sendError(res, 404, 'not_found_error', `${req.method} ${path} not found`);
    }
    const key = req.headers['x-api-key'];
    if (typeof key !== 'string' || key === '' || (options.apiKey !== undefined && key !== options.apiKey)) {
      return sendError(res, 401, 'authentication_error', 'invalid x-api-key');
    }
    if (typeof req.headers['anthropic-version'] !== 'string') {
      return sendError(res, 400, 'invalid_request_error', 'anthropic-version: header is required');
    }
    if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) {
      return sendError(res, 400, 'invalid_request_error', 'The request body is not valid JSON.');
    }
    const problem = path === '/v1/messages' ? messagesProblem(req.body) : countTokensProblem(req.body);
    if (problem) return sendError(res, 400, 'invalid_request_error', problem);
    if (path === '/v1/messages/count_tokens') {
      return sendJson(res, 200, { input_tokens: anthropicCountTokens(req.body) });
    }
    const model = req.body.model as string;
    if (fault?.kind === 'stream-error') {
      if (!req.body.stream) return sendJson(res, 529, fixtures.overloaded);
      return sendStream(res, fixtures.streamError, model);
    }
    const scenario = chooseScenario(req);
    if (req.body.stream === true) return sendStream(res, scenario.stream, model);
    return sendJson(res, 200, { ...scenario.message, model });
  });
}

function chooseScenario(req: RecordedRequest): { message: any; stream: FixtureEvent[] } {
  const body = req.body;
  if (body.thinking?.type === 'enabled')
    return { message: fixtures.thinking, stream: fixtures.streamThinking };
  const last = body.messages.at(-1);
  const blocks = typeof last.content === 'string' ? [] : last.content;
  if (last.role === 'user' && blocks.some((b: any) => b.type === 'tool_result')) {
    return { message: finalAnswerMessage, stream: fixtures.streamText };
  }
  const toolsOffered =
    Array.isArray(body.tools) && body.tools.length > 0 && body.tool_choice?.type !== 'none';
  if (toolsOffered && last.role === 'user')
    return { message: fixtures.toolTurn, stream: fixtures.streamTools };
  return { message: plainTextMessage, stream: fixtures.streamText };
}

/** What the real API would refuse in a /v1/messages body, as its error message; undefined when valid. */
function messagesProblem(body: any): string | undefined {
  if (typeof body.model !== 'string' || body.model === '') return 'model: Field required';
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) return 'max_tokens: Field required';
  if (body.thinking?.type === 'enabled') {
    const budget = body.thinking.budget_tokens;
    if (!Number.isInteger(budget) || budget < 1024) return 'thinking.budget_tokens: must be at least 1024';
    if (budget >= body.max_tokens) return '`max_tokens` must be greater than `thinking.budget_tokens`';
  }
  return systemProblem(body.system) ?? toolsProblem(body) ?? conversationProblem(body.messages);
}

function countTokensProblem(body: any): string | undefined {
  for (const field of Object.keys(body)) {
    if (!countTokensFields.has(field)) return `${field}: Extra inputs are not permitted`;
  }
  if (typeof body.model !== 'string' || body.model === '') return 'model: Field required';
  return systemProblem(body.system) ?? toolsProblem(body) ?? conversationProblem(body.messages);
}

function systemProblem(system: any): string | undefined {
  if (system === undefined || typeof system === 'string') return undefined;
  if (!Array.isArray(system)) return 'system: Input should be a valid list';
  for (const [i, block] of system.entries()) {
    if (block?.type !== 'text' || typeof block.text !== 'string' || block.text === '') {
      return `system.${i}: text content blocks must be non-empty`;
    }
  }
  return undefined;
}

function toolsProblem(body: any): string | undefined {
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) return 'tools: Input should be a valid list';
    for (const [i, tool] of body.tools.entries()) {
      if (typeof tool?.name !== 'string' || tool.name === '') return `tools.${i}.name: Field required`;
      if (!tool.input_schema || typeof tool.input_schema !== 'object')
        return `tools.${i}.input_schema: Field required`;
      if ('parameters' in tool || 'function' in tool) return `tools.${i}: Extra inputs are not permitted`;
    }
  }
  const choice = body.tool_choice;
  if (choice === undefined) return undefined;
  if (!['auto', 'any', 'none', 'tool'].includes(choice?.type))
    return 'tool_choice.type: Input tag is invalid';
  if (choice.type === 'tool' && typeof choice.name !== 'string')
    return 'tool_choice.tool.name: Field required';
  if (choice.type === 'none' && 'disable_parallel_tool_use' in choice) {
    return 'tool_choice.none.disable_parallel_tool_use: Extra inputs are not permitted';
  }
  return undefined;
}

function conversationProblem(messages: any): string | undefined {
  if (!Array.isArray(messages) || messages.length === 0) return 'messages: at least one message is required';
  for (const [i, message] of messages.entries()) {
    if (message?.role !== 'user' && message?.role !== 'assistant') {
      return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    }
    if (i > 0 && messages[i - 1].role === message.role) {
      return `messages: roles must alternate between "user" and "assistant", but found multiple "${message.role}" roles in a row`;
    }
    const blocks =
      typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    if (!Array.isArray(blocks) || blocks.length === 0) {
      return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
    }
    for (const [j, block] of blocks.entries()) {
      const problem = blockProblem(block, message.role);
      if (problem) return `messages.${i}.content.${j}: ${problem}`;
    }
    const answered = toolResultProblem(messages, i);
    if (answered) return answered;
  }
  return undefined;
}

function blockProblem(block: any, role: string): string | undefined {
  switch (block?.type) {
    case 'text':
      return typeof block.text === 'string' && block.text !== ''
        ? undefined
        : 'text content blocks must be non-empty';
    case 'image': {
      const source = block.source;
      if (
        source?.type === 'base64' &&
        typeof source.media_type === 'string' &&
        typeof source.data === 'string'
      )
        return undefined;
      if (source?.type === 'url' && /^https?:\/\//.test(source.url)) return undefined;
      return 'image.source: invalid image source';
    }
    case 'tool_use':
      if (role !== 'assistant') return 'tool_use blocks can only be in assistant messages';
      if (typeof block.id !== 'string' || typeof block.name !== 'string')
        return 'tool_use.id: Field required';
      return block.input && typeof block.input === 'object' && !Array.isArray(block.input)
        ? undefined
        : 'tool_use.input: Input should be a valid dictionary';
    case 'tool_result':
      if (role !== 'user') return 'tool_result blocks can only be in user messages';
      return typeof block.content === 'string' || Array.isArray(block.content) || block.content === undefined
        ? undefined
        : 'tool_result.content: Input should be a valid string or list';
    case 'thinking':
      return typeof block.signature === 'string' && block.signature !== ''
        ? undefined
        : 'thinking.signature: Field required';
    case 'redacted_thinking':
      return typeof block.data === 'string' ? undefined : 'redacted_thinking.data: Field required';
    default:
      return `Input tag '${block?.type}' found using 'type' does not match any of the expected tags`;
  }
}

/** Every tool_use must be answered in the very next (user) message, and every tool_result must answer one. */
function toolResultProblem(messages: any[], i: number): string | undefined {
  const message = messages[i];
  const blocks = (m: any): any[] => (typeof m?.content === 'string' ? [] : (m?.content ?? []));
  if (message.role === 'user') {
    const asked = new Set(
      blocks(messages[i - 1])
        .filter((b) => b.type === 'tool_use')
        .map((b) => b.id),
    );
    for (const result of blocks(message).filter((b) => b.type === 'tool_result')) {
      if (!asked.has(result.tool_use_id)) {
        return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${result.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      }
    }
    return undefined;
  }
  const next = messages[i + 1];
  if (!next) return undefined;
  const answered = new Set(
    blocks(next)
      .filter((b) => b.type === 'tool_result')
      .map((b) => b.tool_use_id),
  );
  const missing = blocks(message)
    .filter((b) => b.type === 'tool_use' && !answered.has(b.id))
    .map((b) => b.id);
  if (missing.length === 0) return undefined;
  return `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
}

function requestId(): string {
  return `req_mock${String(++requestCounter).padStart(8, '0')}`;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId() });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(res, status, { type: 'error', error: { type, message }, request_id: requestId() });
}

/** Writes a fixture stream (its message_start naming the requested model) in odd-sized pieces. */
async function sendStream(res: ServerResponse, events: FixtureEvent[], model: string): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'request-id': requestId(),
  });
  const text = events
    .map(({ event, data }) => {
      const served = event === 'message_start' ? { ...data, message: { ...data.message, model } } : data;
      return `event: ${event}\ndata: ${JSON.stringify(served)}\n\n`;
    })
    .join('');
  await writeInPieces(res, text, 7);
}
