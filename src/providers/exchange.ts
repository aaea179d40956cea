// One upstream call as undici's dispatcher runs it: a handler of the dispatcher's callbacks that is
// itself the UpstreamResponse the providers read. The body is held as the chunks that arrived, read
// as a stream or collected whole; past 64 KB unread the socket is paused, so a slow reader holds
// the upstream back instead of growing memory.
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { GatehouseError } from '../core/errors/index.ts';
import { networkError, parseJson, type UpstreamResponse } from './upstream.ts';

const highWaterBytes = 64 * 1024;
const once = { once: true };

export class Exchange implements Dispatcher.DispatchHandler, UpstreamResponse {
  /** Settles with this exchange when the headers arrive, or with the failure that came first. */
  readonly response: Promise<UpstreamResponse>;
  status = 0;
  headers: IncomingHttpHeaders = {};
  readonly #provider: string;
  readonly #signal: AbortSignal;
  #controller: Dispatcher.DispatchController | undefined;
  #resolve!: (res: UpstreamResponse) => void;
  #reject!: (err: GatehouseError) => void;
  #started = false;
  #chunks: Buffer[] = [];
  #queuedBytes = 0;
  /** Set once the reader has said it wants no more: what still arrives is dropped. */
  #discarding = false;
  #collecting = false;
  #ended = false;
  #failure: GatehouseError | undefined;
  /** The reader waiting for the next chunk, the end or a failure. */
  #wake: (() => void) | undefined;

  constructor(provider: string, signal: AbortSignal) {
    this.#provider = provider;
    this.#signal = signal;
    this.response = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    signal.addEventListener('abort', this.#onAbort, once);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#signal.aborted) controller.abort(this.#signal.reason as Error);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders,
  ): void {
    this.#started = true;
    this.status = status;
    this.headers = headers;
    this.#resolve(this);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#discarding) return;
    this.#chunks.push(chunk);
    this.#queuedBytes += chunk.byteLength;
    if (!this.#collecting && this.#queuedBytes > highWaterBytes) controller.pause();
    this.#wakeReader();
  }

  onResponseEnd(): void {
    this.#ended = true;
    this.#signal.removeEventListener('abort', this.#onAbort);
    this.#wakeReader();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    this.#signal.removeEventListener('abort', this.#onAbort);
    const error = networkError(this.#provider, err, this.#signal);
    if (!this.#started) {
      this.#reject(error);
      return;
    }
    this.#failure = error;
    this.#wakeReader();
  }

  readonly #onAbort = (): void => {
    const reason = this.#signal.reason as Error;
    if (this.#controller) this.#controller.abort(reason);
    // Still queued for a pooled connection: the call fails now, and onRequestStart ends it once it
    // gets one, rather than the caller waiting for a connection to free up.
    else this.#reject(networkError(this.#provider, reason, this.#signal));
  };

  #wakeReader(): void {
    const wake = this.#wake;
    if (wake) {
      this.#wake = undefined;
      wake();
    }
  }

  text(): Promise<string> {
    return this.#collect();
  }

  json(): Promise<unknown> {
    return this.#collect().then((text) => parseJson(this.#provider, text));
  }

  jsonAndText(): Promise<{ json: unknown; text: string }> {
    return this.#collect().then((text) => ({ json: parseJson(this.#provider, text), text }));
  }

  dump(): Promise<void> {
    this.#discard();
    return Promise.resolve();
  }

  get body(): AsyncIterable<Uint8Array> {
    return { [Symbol.asyncIterator]: () => this.#reader() };
  }

  /**
   * The body chunk by chunk; chunks that arrived before a failure are read before it. A reader that
   * stops early lets the rest drain, so the connection goes back to the pool instead of closing.
   */
  #reader(): AsyncIterator<Uint8Array> {
    const next = (): Promise<IteratorResult<Uint8Array>> => {
      const chunk = this.#chunks.shift();
      if (chunk !== undefined) {
        this.#queuedBytes -= chunk.byteLength;
        if (this.#queuedBytes <= highWaterBytes && this.#controller?.paused) this.#controller.resume();
        return Promise.resolve({ value: chunk, done: false });
      }
      if (this.#failure) return Promise.reject(this.#failure);
      if (this.#ended) return Promise.resolve({ value: undefined, done: true });
      return new Promise<void>((resolve) => {
        this.#wake = resolve;
      }).then(next);
    };
    return {
      next,
      return: () => {
        this.#discard();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  #collect(): Promise<string> {
    this.#collecting = true;
    if (this.#controller?.paused) this.#controller.resume();
    return new Promise((resolve, reject) => {
      const settle = () => {
        if (this.#failure) reject(this.#failure);
        else if (this.#ended) resolve(this.#text());
        else this.#wake = settle;
      };
      settle();
    });
  }

  #text(): string {
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#queuedBytes = 0;
    return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
  }

  #discard(): void {
    this.#discarding = true;
    this.#chunks = [];
    this.#queuedBytes = 0;
    if (this.#controller?.paused) this.#controller.resume();
  }
}
