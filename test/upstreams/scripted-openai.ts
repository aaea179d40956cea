// An OpenAI-compatible upstream whose answer the test scripts: the text in the pieces it is to be
// streamed in (each piece its own SSE event), and optionally one tool call. Not streamed, the pieces
// are joined. It records every request, so a test sees what reached the upstream.
import type { ServerResponse } from 'node:http';
import { type MockUpstream, startUpstream } from './server.ts';

export interface Script {
  /** The answer's text, in stream pieces. */
  pieces: string[];
  toolCall?: { name: string; arguments: string };
}

export async function startScriptedOpenAIUpstream(): Promise<MockUpstream & { script: Script }> {
  const script: Script = { pieces: ['Hello.'] };
  const upstream = await startUpstream((req, res) => {
    const body = req.body ?? {};
    if (body.stream) return stream(res, script, body);
    const content = script.pieces.join('');
    const toolCalls = script.toolCall
      ? [
          {
            id: 'call_1',
            type: 'function',
            function: { name: script.toolCall.name, arguments: script.toolCall.arguments },
          },
        ]
      : undefined;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'chatcmpl-scripted',
        object: 'chat.completion',
        created: 1,
        model: body.model ?? 'scripted',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content, ...(toolCalls ? { tool_calls: toolCalls } : {}) },
            finish_reason: toolCalls ? 'tool_calls' : 'stop',
          },
        ],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      }),
    );
  });
  return Object.assign(upstream, { script });
}

function stream(res: ServerResponse, script: Script, body: any): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const chunk = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({
      id: 'chatcmpl-scripted',
      object: 'chat.completion.chunk',
      created: 1,
      model: body.model ?? 'scripted',
      choices: [{ index: 0, delta, finish_reason: finish }],
    })}\n\n`;
  res.write(chunk({ role: 'assistant', content: '' }));
  for (const piece of script.pieces) res.write(chunk({ content: piece }));
  if (script.toolCall) {
    const args = script.toolCall.arguments;
    const half = Math.ceil(args.length / 2);
    res.write(
      chunk({
        tool_calls: [
          {
            index: 0,
            id: 'call_1',
            type: 'function',
            function: { name: script.toolCall.name, arguments: args.slice(0, half) },
          },
        ],
      }),
    );
    res.write(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(half) } }] }));
  }
  res.write(chunk({}, script.toolCall ? 'tool_calls' : 'stop'));
  if (body.stream_options?.include_usage)
    res.write(
      `data: ${JSON.stringify({
        id: 'chatcmpl-scripted',
        object: 'chat.completion.chunk',
        created: 1,
        model: body.model ?? 'scripted',
        choices: [],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      })}\n\n`,
    );
  res.end('data: [DONE]\n\n');
}

/** A moderation endpoint in the OpenAI moderation API's shape: flags inputs containing `flagWord`. */
export async function startModerationUpstream(flagWord: string): Promise<MockUpstream> {
  return startUpstream((req, res) => {
    const input = String(req.body?.input ?? '');
    const flagged = input.toLowerCase().includes(flagWord);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'modr-1',
        model: 'omni-moderation-latest',
        results: [
          {
            flagged,
            categories: { harassment: flagged, violence: false },
            category_scores: { harassment: flagged ? 0.93 : 0.01, violence: 0.002 },
          },
        ],
      }),
    );
  });
}
