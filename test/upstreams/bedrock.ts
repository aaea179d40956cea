// A protocol-faithful Bedrock Converse upstream: checks SigV4 signatures (re-signing with the known
// test secret) or a bearer API key, validates conversations as Converse does, and answers from the
// recorded fixtures, streams as binary event-stream frames.
import aws4 from 'aws4';
import type { ServerResponse } from 'node:http';
import { fixtureBytes, fixtureJson, fixtureText } from '../fixtures/index.ts';
import { type MockUpstream, type RecordedRequest, startUpstream, writeInPieces } from './server.ts';

export const bedrockTestCredentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
export const bedrockTestRegion = 'us-east-1';
const dir = 'bedrock-converse';

const events = (name: string) =>
  fixtureText(dir, `${name}.events.jsonl`)
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { headers: Record<string, string>; payload: any });

const irUsage = (u: any) => ({
  inputTokens: u.inputTokens + (u.cacheReadInputTokens ?? 0) + (u.cacheWriteInputTokens ?? 0),
  outputTokens: u.outputTokens,
  ...(u.cacheReadInputTokens === undefined ? {} : { cacheReadTokens: u.cacheReadInputTokens }),
  ...(u.cacheWriteInputTokens === undefined ? {} : { cacheWriteTokens: u.cacheWriteInputTokens }),
});
const streamText = (name: string) =>
  events(name)
    .map((e) => e.payload.delta?.text ?? '')
    .join('');
const streamUsage = (name: string) =>
  irUsage(events(name).find((e) => e.headers[':event-type'] === 'metadata')!.payload.usage);
const textOf = (response: any) => response.output.message.content.map((b: any) => b.text ?? '').join('');

const toolTurn = fixtureJson(dir, 'response-tool-use.json');
const finalTurn = fixtureJson(dir, 'response.json');

/** What a client should see, derived from the fixtures. */
export const bedrockExpected = {
  text: textOf(finalTurn),
  finalText: textOf(finalTurn),
  streamText: streamText('stream-text'),
  toolCalls: toolTurn.output.message.content
    .filter((b: any) => b.toolUse)
    .map((b: any) => ({ id: b.toolUse.toolUseId, name: b.toolUse.name, arguments: b.toolUse.input })),
  usage: irUsage(toolTurn.usage),
  streamUsage: {
    text: streamUsage('stream-text'),
    tools: streamUsage('stream-tools'),
    reasoning: streamUsage('stream-reasoning'),
  },
  reasoningText: events('stream-reasoning')
    .map((e) => e.payload.delta?.reasoningContent?.text ?? '')
    .join(''),
};

function error(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
  });
  res.end(JSON.stringify({ message }));
}

/** Re-signs the request with the test secret; true when the presented signature matches. */
function validSignature(req: RecordedRequest): boolean {
  const auth = String(req.headers.authorization ?? '');
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/bedrock\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!match || match[1] !== bedrockTestCredentials.accessKeyId || !req.headers['x-amz-date']) return false;
  const headers: Record<string, string> = {};
  for (const name of match[4]!.split(';')) headers[name] = String(req.headers[name] ?? '');
  const signed = aws4.sign(
    {
      host: String(req.headers.host),
      path: req.url,
      method: req.method,
      service: 'bedrock',
      region: match[3]!,
      headers,
      body: req.rawBody.toString('utf8'),
    },
    bedrockTestCredentials,
  );
  return signed.headers!.Authorization === auth;
}

/** Converse's own checks: alternating turns from a user, tool results answering the last tool uses. */
function conversationProblem(body: any): string | undefined {
  if (!Array.isArray(body?.messages) || body.messages.length === 0) return 'messages must not be empty';
  let previousToolUses: string[] = [];
  for (const [i, m] of body.messages.entries()) {
    if (m.role !== (i % 2 === 0 ? 'user' : 'assistant'))
      return `A conversation must alternate between user and assistant roles (message ${i})`;
    if (!Array.isArray(m.content) || m.content.length === 0) return `messages.${i}.content must not be empty`;
    const results = m.content.filter((b: any) => b.toolResult).map((b: any) => b.toolResult.toolUseId);
    for (const id of results)
      if (!previousToolUses.includes(id))
        return `toolResult ${id} does not match a toolUse of the previous turn`;
    if ((results.length > 0 || m.content.some((b: any) => b.toolUse)) && !body.toolConfig) {
      return 'The toolConfig field must be defined when using toolUse and toolResult content blocks.';
    }
    previousToolUses = m.content.filter((b: any) => b.toolUse).map((b: any) => b.toolUse.toolUseId);
  }
  return undefined;
}

export function startBedrockUpstream(options: { apiKey?: string } = {}): Promise<MockUpstream> {
  return startUpstream(async (req, res, fault) => {
    const route = /^\/model\/([^/]+)\/(converse|converse-stream)$/.exec(req.url);
    if (req.method !== 'POST' || !route)
      return error(res, 404, 'UnknownOperationException', `no route ${req.url}`);
    const authorization = String(req.headers.authorization ?? '');
    const bearerOk = options.apiKey !== undefined && authorization === `Bearer ${options.apiKey}`;
    if (!bearerOk && !validSignature(req)) {
      return error(
        res,
        403,
        authorization ? 'InvalidSignatureException' : 'MissingAuthenticationTokenException',
        'The request signature we calculated does not match the signature you provided.',
      );
    }
    const problem = conversationProblem(req.body);
    if (problem) return error(res, 400, 'ValidationException', problem);
    const last = req.body.messages.at(-1);
    const toolResults = last.content.some((b: any) => b.toolResult);
    const wantsTools =
      !toolResults && Array.isArray(req.body.toolConfig?.tools) && req.body.toolConfig.tools.length > 0;
    const thinking = req.body.additionalModelRequestFields?.thinking !== undefined;

    if (route[2] === 'converse') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(wantsTools ? toolTurn : finalTurn));
      return;
    }
    const name =
      fault?.kind === 'stream-error'
        ? 'stream-error'
        : wantsTools
          ? 'stream-tools'
          : thinking
            ? 'stream-reasoning'
            : 'stream-text';
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
    await writeInPieces(res, fixtureBytes(dir, `${name}.eventstream.bin`), 13);
  });
}
