// Writes answers to the caller: JSON in one go, or an event stream that respects backpressure
// (a slow reader pauses the upstream instead of growing memory).
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';

export class Responder {
  readonly #res: ServerResponse;
  readonly #headers: Record<string, string>;
  #onFirstByte: (() => void) | undefined;

  constructor(res: ServerResponse, headers: Record<string, string>, onFirstByte?: () => void) {
    this.#res = res;
    this.#headers = headers;
    this.#onFirstByte = onFirstByte;
  }

  get started(): boolean {
    return this.#res.headersSent;
  }

  /** Headers added to whatever answer is sent. */
  setHeader(name: string, value: string): void {
    this.#headers[name] = value;
  }

  json(status: number, body: unknown, headers?: Record<string, string>): void {
    const text = JSON.stringify(body);
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

  startStream(headers?: Record<string, string>): void {
    this.#res.writeHead(200, {
      ...this.#headers,
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    this.#res.flushHeaders();
  }

  async write(text: string): Promise<void> {
    if (text === '' || this.#res.destroyed) return;
    this.#firstByte();
    if (!this.#res.write(text)) await Promise.race([once(this.#res, 'drain'), once(this.#res, 'close')]);
  }

  end(): void {
    if (!this.#res.writableEnded) this.#res.end();
  }

  #firstByte(): void {
    if (this.#onFirstByte) {
      this.#onFirstByte();
      this.#onFirstByte = undefined;
    }
  }
}
