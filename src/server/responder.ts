// Writes answers to the caller: JSON in one go, or an event stream that respects backpressure
// (a slow reader pauses the upstream instead of growing memory) and leaves in one socket write per
// upstream read.
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { JsonText } from '../core/ir/index.ts';

export class Responder {
  readonly #res: ServerResponse;
  readonly #headers: Record<string, string | string[]>;
  #onFirstByte: (() => void) | undefined;
  /** Stream text written this turn, not yet handed to the socket. */
  #pending = '';
  #flushQueued = false;
  #wrote = false;
  /** Set while the caller's socket buffer is full: settles on drain (or close). */
  #blocked: Promise<unknown> | undefined;

  constructor(res: ServerResponse, headers: Record<string, string>, onFirstByte?: () => void) {
    this.#res = res;
    this.#headers = headers;
    this.#onFirstByte = onFirstByte;
  }

  get started(): boolean {
    return this.#res.headersSent;
  }

  /** Headers added to whatever answer is sent (a list for several Set-Cookie lines). */
  setHeader(name: string, value: string | string[]): void {
    this.#headers[name] = value;
  }

  /** An answer without a body: 204, or a redirect whose location was set. */
  empty(status: number): void {
    this.#firstByte();
    this.#res.writeHead(status, { ...this.#headers, 'content-length': '0' });
    this.#res.end();
  }

  json(status: number, body: unknown, headers?: Record<string, string>): void {
    const text = body instanceof JsonText ? body.text : JSON.stringify(body);
    this.#firstByte();
    this.#res.writeHead(status, {
      ...this.#headers,
      ...headers,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
    });
    this.#res.end(text);
  }

  text(status: number, body: string, contentType: string): void {
    this.#firstByte();
    this.#res.writeHead(status, {
      ...this.#headers,
      'content-type': contentType,
      'content-length': String(Buffer.byteLength(body)),
    });
    this.#res.end(body);
  }

  /** A whole answer with its own headers (the console's static files). */
  send(status: number, headers: Record<string, string>, body: Buffer | string): void {
    this.#firstByte();
    this.#res.writeHead(status, { ...this.#headers, ...headers });
    this.#res.end(body);
  }

  /** The headers go out with the first write, in the same socket write. */
  startStream(headers?: Record<string, string>): void {
    this.#res.writeHead(200, {
      ...this.#headers,
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
  }

  /**
   * Queues text for the caller. The first write leaves at once; after it, what is written in one turn
   * of the event loop (the events decoded from one upstream read) leaves as one chunk once the turn's
   * promises have run: nothing waits for more data, so no event is held back, and a read of 200
   * events costs one socket write instead of 200. While a caller reads slower than the upstream
   * sends, it returns a promise the next write must wait for; otherwise nothing, so that the usual
   * case costs no promise per event.
   */
  write(text: string): Promise<unknown> | undefined {
    const res = this.#res;
    if (text === '' || res.destroyed) return undefined;
    this.#pending += text;
    if (!this.#wrote) {
      this.#wrote = true;
      // The first event leaves at once, with the headers, rather than after the rest of its read:
      // node:http holds a write until the next tick, so the socket is let go of here.
      this.#firstByte();
      this.#flush();
      res.socket?.uncork();
      return undefined;
    }
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      process.nextTick(this.#flush);
    }
    return this.#blocked;
  }

  end(): void {
    this.#flush();
    if (!this.#res.writableEnded) this.#res.end();
  }

  readonly #flush = (): void => {
    this.#flushQueued = false;
    const text = this.#pending;
    this.#pending = '';
    const res = this.#res;
    if (text === '' || res.destroyed || res.writableEnded) return;
    if (!res.write(text) && !this.#blocked) {
      this.#blocked = Promise.race([once(res, 'drain'), once(res, 'close')]).then(() => {
        this.#blocked = undefined;
      });
    }
  };

  #firstByte(): void {
    if (this.#onFirstByte) {
      this.#onFirstByte();
      this.#onFirstByte = undefined;
    }
  }
}
