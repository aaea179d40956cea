// A protocol-faithful OpenAI Responses API upstream (`POST /v1/responses`), answering from the
// recorded fixtures and checking what a gateway sends as the real API would.
import type { ServerResponse } from 'node:http';
import { fixtureJson, fixtureText } from '../fixtures/index.ts';
import { type MockUpstream, startUpstream, writeInPieces } from './server.ts';

const dir = 'openai-responses';
const events = (file: string) =>
  fixtureText(dir, file)
    .trim()
    .split(/\n\n+/)
    .map((frame) =>
      JSON.parse(
        frame
          .split('\n')
          .find((line) => line.startsWith('data: '))!
          .slice(6),
      ),
    );
const completed = (file: string) => events(file).find((e) => e.type === 'response.completed').response;
const irUsage = (u: any) => ({
  inputTokens: u.input_tokens,
  outputTokens: u.output_tokens,
  cacheReadTokens: u.input_tokens_details.cached_tokens,
  reasoningTokens: u.output_tokens_details.reasoning_tokens,
});
const textOf = (response: any) =>
  response.output
    .filter((i: any) => i.type === 'message')
    .flatMap((i: any) => i.content.map((c: any) => c.text ?? ''))
    .join('');

const textAnswer = fixtureJson(dir, 'response.json');
const toolAnswer = completed('stream-function-call.sse');

/** What a client should see, derived from the fixtures (one function call: the recording has one). */
export const openaiResponsesExpected = {
  text: textOf(textAnswer),
  finalText: textOf(textAnswer),
  streamText: events('stream-text.sse')
    .filter((e) => e.type === 'response.output_text.delta')
    .map((e) => e.delta)
    .join(''),
  toolCalls: toolAnswer.output
    .filter((i: any) => i.type === 'function_call')
    .map((i: any) => ({ id: i.call_id, name: i.name, arguments: JSON.parse(i.arguments) })),
  usage: irUsage(toolAnswer.usage),
  textUsage: irUsage(textAnswer.usage),
  streamUsage: { text: irUsage(completed('stream-text.sse').usage), tools: irUsage(toolAnswer.usage) },
};

function error(
  res: ServerResponse,
  status: number,
  message: string,
  type = 'invalid_request_error',
  param: string | null = null,
): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type, param, code: null } }));
}

export function startOpenAIResponsesUpstream(options: { apiKey?: string } = {}): Promise<MockUpstream> {
  const apiKey = options.apiKey ?? 'sk-upstream';
  return startUpstream(async (req, res, fault) => {
    if (req.method !== 'POST' || req.url !== '/v1/responses')
      return error(res, 404, `Invalid URL (${req.method} ${req.url})`);
    if (req.headers.authorization !== `Bearer ${apiKey}`)
      return error(res, 401, 'Incorrect API key provided.', 'invalid_request_error');
    const body = req.body;
    // The API takes a string as one user message.
    const input =
      typeof body?.input === 'string' && body.input !== ''
        ? [{ role: 'user', content: body.input }]
        : body?.input;
    if (!Array.isArray(input) || input.length === 0)
      return error(res, 400, "Missing required parameter: 'input'.", 'invalid_request_error', 'input');
    const calls = new Set<string>();
    for (const [i, item] of input.entries()) {
      if (item.type === 'function_call') calls.add(item.call_id);
      if (item.type === 'function_call_output' && !calls.has(item.call_id)) {
        return error(
          res,
          400,
          `No tool call found for function call output with call_id ${item.call_id}.`,
          'invalid_request_error',
          `input[${i}]`,
        );
      }
      if (item.type === undefined && !['user', 'assistant', 'system', 'developer'].includes(item.role)) {
        return error(res, 400, `Invalid value: '${item.role}'.`, 'invalid_request_error', `input[${i}].role`);
      }
    }
    if (body.tools?.some((t: any) => t.function))
      return error(
        res,
        400,
        "Unknown parameter: 'tools[0].function'.",
        'invalid_request_error',
        'tools[0].function',
      );
    const last = input.at(-1);
    const wantsTools =
      Array.isArray(body.tools) && body.tools.length > 0 && last.type !== 'function_call_output';
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(wantsTools ? toolAnswer : textAnswer));
      return;
    }
    const file =
      fault?.kind === 'stream-error'
        ? 'stream-error.sse'
        : wantsTools
          ? 'stream-function-call.sse'
          : 'stream-text.sse';
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    await writeInPieces(res, fixtureText(dir, file));
  });
}
