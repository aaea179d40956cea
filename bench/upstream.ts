// The mock upstream the benchmark measures against, run as its own process. Every answer is a
// Buffer serialised at start and written in one go, without timers, so that what the benchmark
// sees through the gateway is the gateway's own overhead, not upstream pacing or JSON work here.
//
//   node bench/upstream.ts [--port N] [--chunks 20,200]
//
// OpenAI POST /v1/chat/completions and Anthropic POST /v1/messages. A stream carries as many text
// chunks as the request's max_tokens (max_completion_tokens) when that is one of --chunks, else
// the first of them; usage is realistic so that the gateway prices every answer.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { upstreamModels } from './scenarios.ts';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '0' }, chunks: { type: 'string', default: '20,200' } },
});
const chunkCounts = values.chunks.split(',').map(Number);

const usage = { input: 256, output: 64 };
const created = 1767225600;
const answer =
  'Lisbon is sunny at 22 °C with a light breeze from the Atlantic, while Porto has light rain at 17 °C. ' +
  'Pack an umbrella for Porto and sunscreen for Lisbon; both cities are walkable, and trains between ' +
  'them run hourly and take about three hours.';

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

function sse(events: Array<[event: string | undefined, data: unknown]>): Buffer {
  return Buffer.from(
    events
      .map(([event, data]) => (event ? `event: ${event}\n` : '') + `data: ${JSON.stringify(data)}\n\n`)
      .join(''),
  );
}

function openaiUsage(output: number) {
  return {
    prompt_tokens: usage.input,
    completion_tokens: output,
    total_tokens: usage.input + output,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  };
}

const openaiCompletion = json({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created,
  model: `${upstreamModels.openai}-2025-04-14`,
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: answer, refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: openaiUsage(usage.output),
  service_tier: 'default',
  system_fingerprint: 'fp_bench',
});

function openaiStream(chunks: number, withUsage: boolean): Buffer {
  const base = {
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created,
    model: `${upstreamModels.openai}-2025-04-14`,
    system_fingerprint: 'fp_bench',
  };
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(withUsage ? { usage: null } : {}),
  });
  const events: Array<[undefined, unknown]> = [[undefined, chunk({ role: 'assistant', content: '' }, null)]];
  for (let i = 0; i < chunks; i++) events.push([undefined, chunk({ content: ` word${i}` }, null)]);
  events.push([undefined, chunk({}, 'stop')]);
  if (withUsage) events.push([undefined, { ...base, choices: [], usage: openaiUsage(chunks) }]);
  return Buffer.concat([sse(events), Buffer.from('data: [DONE]\n\n')]);
}

const anthropicMessage = json({
  id: 'msg_bench',
  type: 'message',
  role: 'assistant',
  model: upstreamModels.anthropic,
  content: [{ type: 'text', text: answer }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: {
    input_tokens: usage.input,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: usage.output,
  },
});

function anthropicStream(chunks: number): Buffer {
  const start = {
    id: 'msg_bench',
    type: 'message',
    role: 'assistant',
    model: upstreamModels.anthropic,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: {
      input_tokens: usage.input,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: 1,
    },
  };
  const events: Array<[string, unknown]> = [
    ['message_start', { type: 'message_start', message: start }],
    [
      'content_block_start',
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    ],
    ['ping', { type: 'ping' }],
  ];
  for (let i = 0; i < chunks; i++) {
    events.push([
      'content_block_delta',
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ` word${i}` } },
    ]);
  }
  events.push(
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    [
      'message_delta',
      {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: chunks },
      },
    ],
    ['message_stop', { type: 'message_stop' }],
  );
  return sse(events);
}

const streams = new Map(
  chunkCounts.map((n) => [
    n,
    { openai: openaiStream(n, false), openaiWithUsage: openaiStream(n, true), anthropic: anthropicStream(n) },
  ]),
);
const notFound = json({ error: { message: 'not found', type: 'invalid_request_error' } });

interface ChatBody {
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  max_tokens?: number;
  max_completion_tokens?: number;
}

function send(res: ServerResponse, status: number, contentType: string, body: Buffer, stream: boolean) {
  if (stream) {
    // One write, then the end of a chunked body: what an upstream that has the whole answer does.
    res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-cache' });
    res.write(body);
    res.end();
  } else {
    res.writeHead(status, { 'content-type': contentType, 'content-length': body.length });
    res.end(body);
  }
}

function answerRequest(req: IncomingMessage, res: ServerResponse, raw: Buffer) {
  let body: ChatBody;
  try {
    body = JSON.parse(raw.toString('utf8')) as ChatBody;
  } catch {
    return send(res, 400, 'application/json', notFound, false);
  }
  const chunks = body.max_completion_tokens ?? body.max_tokens ?? chunkCounts[0]!;
  const stream = streams.get(chunks) ?? streams.get(chunkCounts[0]!)!;
  if (req.url === '/v1/chat/completions') {
    if (!body.stream) return send(res, 200, 'application/json', openaiCompletion, false);
    const withUsage = body.stream_options?.include_usage === true;
    return send(res, 200, 'text/event-stream', withUsage ? stream.openaiWithUsage : stream.openai, true);
  }
  if (req.url === '/v1/messages') {
    if (!body.stream) return send(res, 200, 'application/json', anthropicMessage, false);
    return send(res, 200, 'text/event-stream', stream.anthropic, true);
  }
  send(res, 404, 'application/json', notFound, false);
}

const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (part: Buffer) => parts.push(part));
  req.on('end', () => answerRequest(req, res, Buffer.concat(parts)));
});
// Longer than any client's idle timeout (undici's is 4 s), so a client never reuses a socket
// that this side is closing at the same moment.
server.keepAliveTimeout = 65_000;
server.listen(Number(values.port), '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }));
});
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
