// A protocol-faithful mock upstream: a real HTTP server on an ephemeral port that records every
// request and can be told to fail in the ways real providers fail. Each dialect module supplies the
// handler that answers like that provider, from the recorded fixtures.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  /** Answer with this status and body (the dialect's error envelope is the test's to supply). */
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Drop the connection without answering. */
  | { kind: 'reset' }
  /** Hold the request this long before answering normally (forever when omitted, until close). */
  | { kind: 'stall'; ms?: number }
  /** Start a 200 stream, send its first event, then fail in the dialect's in-stream error format. */
  | { kind: 'stream-error' };

export interface RecordedRequest {
  method: string;
  /** Path and query string. */
  url: string;
  headers: IncomingMessage['headers'];
  /** The parsed JSON body, or undefined for an empty or non-JSON body. */
  body: any;
  rawBody: Buffer;
  /** Settles when the connection for this request closes (e.g. the gateway aborted it). */
  closed: Promise<void>;
}

export type Handler = (
  req: RecordedRequest,
  res: ServerResponse,
  fault: Fault | undefined,
) => void | Promise<void>;

export interface MockUpstream {
  /** Origin, e.g. `http://127.0.0.1:40123` (no trailing slash). */
  url: string;
  requests: RecordedRequest[];
  /** Faults to apply, one per incoming request, in order; requests after the queue empties are answered normally. */
  faults: Fault[];
  close(): Promise<void>;
}

export async function startUpstream(handler: Handler): Promise<MockUpstream> {
  const requests: RecordedRequest[] = [];
  const faults: Fault[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks);
    let body: any;
    try {
      body = rawBody.length ? JSON.parse(rawBody.toString('utf8')) : undefined;
    } catch {
      body = undefined;
    }
    const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body,
      rawBody,
      closed,
    };
    requests.push(recorded);
    const fault = faults.shift();
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(
        fault.body === undefined
          ? ''
          : typeof fault.body === 'string'
            ? fault.body
            : JSON.stringify(fault.body),
      );
      return;
    }
    if (fault?.kind === 'stall') {
      if (fault.ms === undefined) return; // never answers; close() destroys the socket
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, fault.ms);
        timers.add(timer);
      });
      if (res.destroyed) return;
    }
    try {
      await handler(recorded, res, fault);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `mock upstream failed: ${String(err)}` } }));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    faults,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      server.close();
      await once(server, 'close').catch(() => undefined);
    },
  };
}

/** Writes a text body in small pieces with a pause between them, so decoders meet split events and characters. */
export async function writeInPieces(
  res: ServerResponse,
  text: string | Buffer,
  pieceSize = 7,
): Promise<void> {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  for (let offset = 0; offset < bytes.length; offset += pieceSize) {
    if (res.destroyed) return;
    res.write(bytes.subarray(offset, offset + pieceSize));
    if (offset % (pieceSize * 16) === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  res.end();
}

/**
 * An upstream that sends one event and then holds its stream open, as a long answer would;
 * `released` settles once the client lets go of the response.
 */
export async function startHangingStream(
  firstEvent: string,
): Promise<MockUpstream & { released: Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const upstream = await startUpstream((_req, res) => {
    res.on('close', () => release());
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`${firstEvent}\n\n`);
  });
  return Object.assign(upstream, { released });
}

/** A one-word chat completion (3 tokens in, 1 out): what the counting upstreams of the replica tests answer. */
export const countedCompletion = JSON.stringify({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 0,
  model: 'counted',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
});
