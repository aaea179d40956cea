// Refusals the HTTP parser makes itself: a header block too large (431) or too slow (408), bad chunked
// encoding, Content-Length with Transfer-Encoding, bytes that are not HTTP (400). Node answers them
// with a bare status line; here they get what every other answer gets: a JSON body in the caller's
// error shape (Anthropic's for /v1/messages…, else OpenAI's) and an x-request-id.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import * as anthropic from '../api/anthropic/index.ts';
import * as openai from '../api/openai/index.ts';
import { GatehouseError } from '../core/errors/index.ts';
import { timeOrderedId } from './app.ts';
import { abandonBody } from './body.ts';

export interface ClientErrorSettings {
  maxHeaderBytes: number;
  headersTimeoutS: number;
  bodyTimeoutS: number;
}

/** The request and response in progress on each connection, so a parse error mid-body is answered by the app. */
export type Exchanges = WeakMap<Duplex, { req: IncomingMessage; res: ServerResponse }>;

type ParserError = Error & { code?: string; reason?: string; rawPacket?: Buffer };

/** What to answer for a parser error; undefined for a connection that is simply gone. */
export function clientErrorRefusal(
  err: ParserError,
  settings: ClientErrorSettings,
  inBody: boolean,
): GatehouseError | undefined {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new GatehouseError(
        'GH_HEADERS_TOO_LARGE',
        `The request line and headers are larger than the limit of ${settings.maxHeaderBytes / 1024} KiB.`,
      );
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return inBody
        ? new GatehouseError(
            'GH_BODY_TIMEOUT',
            `The request body did not arrive within ${settings.bodyTimeoutS} seconds (server.body_timeout_s).`,
          )
        : new GatehouseError(
            'GH_HEADERS_TIMEOUT',
            `The request headers did not arrive within ${settings.headersTimeoutS} seconds (server.headers_timeout_s).`,
          );
    case 'HPE_INVALID_EOF_STATE':
      // The caller closed its side mid-request: it left, and there is no one to answer.
      return undefined;
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new GatehouseError(
        'GH_BODY_TOO_LARGE',
        'The chunk extensions of the request body are too large.',
      );
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return new GatehouseError(
        'GH_MALFORMED_HTTP',
        'The request has both Content-Length and Transfer-Encoding; send one of them.',
      );
    case 'HPE_INVALID_CHUNK_SIZE':
      return new GatehouseError(
        'GH_MALFORMED_HTTP',
        'The chunked request body is malformed: a chunk size is not hexadecimal.',
      );
    default:
      if (err.code?.startsWith('HPE_')) {
        return new GatehouseError(
          'GH_MALFORMED_HTTP',
          `The request is not valid HTTP/1.1: ${(err.reason ?? err.code).slice(0, 200)}.`,
        );
      }
      return undefined;
  }
}

/**
 * The `clientError` listener. A request already handed to the app (its headers were fine; its body
 * is not) is answered by the app, which records it; anything else is answered here on the raw
 * socket, which then closes.
 */
export function createClientErrorHandler(
  settings: ClientErrorSettings,
  exchanges: Exchanges,
  onRefused: (error: GatehouseError, surface: 'openai' | 'anthropic') => void,
) {
  const answered = new WeakSet<Duplex>();
  return function onClientError(err: ParserError, socket: Duplex): void {
    const exchange = exchanges.get(socket);
    const inBody = exchange !== undefined && !exchange.req.complete;
    const refusal = clientErrorRefusal(err, settings, inBody);
    if (exchange && inBody) {
      // The body of a request in progress broke: the app answers, unless its answer has begun.
      if (refusal && !exchange.res.headersSent) {
        exchange.res.setHeader('connection', 'close');
        abandonBody(exchange.req, refusal);
      } else socket.destroy();
      return;
    }
    // Garbage after a complete request whose answer is still going out: no answer can be written
    // into the middle of another, so the connection goes.
    const busy = exchange !== undefined && !exchange.res.writableFinished;
    if (!refusal || busy || answered.has(socket) || !socket.writable) {
      socket.destroy();
      return;
    }
    answered.add(socket);
    const surface = /^[A-Z]+ \/v1\/messages[/?\s]/m.test(requestLine(err.rawPacket)) ? 'anthropic' : 'openai';
    onRefused(refusal, surface);
    socket.end(rawAnswer(refusal, surface));
    // A peer that neither reads nor closes does not keep the socket.
    setTimeout(() => socket.destroy(), 2_000).unref();
  };
}

/** The start of the bytes the parser failed on, where the request line usually is. */
function requestLine(raw: Buffer | undefined): string {
  return raw ? raw.subarray(0, 2048).toString('latin1') : '';
}

function rawAnswer(error: GatehouseError, surface: 'openai' | 'anthropic'): string {
  const requestId = timeOrderedId();
  const body = JSON.stringify(
    surface === 'anthropic' ? anthropic.errorBody(error, requestId) : openai.errorBody(error, requestId),
  );
  return (
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}\r\n` +
    `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
    `x-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`
  );
}
