// Reads and parses a JSON request body with hard limits: size (413), time (408), the bytes all bodies
// may hold together (503), encoding (valid UTF-8), nesting depth, and a JSON object at the top.
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { GatehouseError } from '../core/errors/index.ts';

export interface BodyLimits {
  maxBytes: number;
  maxDepth: number;
  /** Milliseconds the whole body may take once reading starts (server.body_timeout_s); none when absent. */
  timeoutMs?: number;
  /** Bytes all bodies being read may hold together (server.max_buffered_body_bytes). */
  buffer?: BodyBuffer;
  /** Told when a body is given up on by its deadline, so the answer can say `Connection: close`. */
  onAbandon?: (req: IncomingMessage) => void;
}

/**
 * The bytes held by bodies being read, across all requests. A body takes its declared length before
 * reading (a slow 10 MB upload holds 10 MB from its first byte) and whatever arrives beyond it; what
 * does not fit is refused, so a burst of partial bodies cannot grow memory past the limit.
 */
export class BodyBuffer {
  readonly limit: number;
  #held = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  get held(): number {
    return this.#held;
  }

  take(bytes: number): boolean {
    if (this.#held + bytes > this.limit) return false;
    this.#held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#held -= bytes;
  }
}

// curl's `-d` sends form encoding by default; accepting it (when the body is JSON) keeps one-line
// examples working. Other declared types are refused.
const acceptedTypes = /^(application\/(json|[\w.+-]+\+json|x-www-form-urlencoded)|text\/plain)\s*(;|$)/i;

export async function readJsonBody(
  req: IncomingMessage,
  limits: BodyLimits,
): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'];
  if (type !== undefined && !acceptedTypes.test(type)) {
    throw new GatehouseError(
      'GH_UNSUPPORTED_MEDIA_TYPE',
      `Content-Type "${type.slice(0, 100)}" is not supported; send application/json.`,
      {
        status: 415,
      },
    );
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxBytes) throw tooLarge(limits.maxBytes);
  const broken = abandoned.get(req);
  if (broken) throw broken;
  const held = new Held(limits.buffer);
  if (declared > 0) held.grow(declared);
  try {
    const { bytes, size } = await collect(req, limits, held);
    return parse(bytes, size, limits.maxDepth);
  } finally {
    // The raw bytes are garbage once parsed: nothing of the body stays buffered after this.
    held.release();
  }
}

function parse(bytes: Buffer, size: number, maxDepth: number): Record<string, unknown> {
  if (size === 0)
    throw new GatehouseError('GH_INVALID_JSON', 'The request body is empty; send a JSON object.');
  if (!isUtf8(bytes)) throw new GatehouseError('GH_INVALID_ENCODING', 'The request body is not valid UTF-8.');
  if (nestsDeeperThan(bytes, maxDepth)) {
    throw new GatehouseError('GH_JSON_TOO_DEEP', `The request body nests deeper than ${maxDepth} levels.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new GatehouseError(
      'GH_INVALID_JSON',
      `The request body is not valid JSON: ${(err as Error).message}`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new GatehouseError('GH_INVALID_REQUEST', 'The request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

/** One body's share of the BodyBuffer. */
class Held {
  readonly #buffer: BodyBuffer | undefined;
  bytes = 0;

  constructor(buffer: BodyBuffer | undefined) {
    this.#buffer = buffer;
  }

  /** Takes `total - bytes` more, or throws GH_BODY_BUFFER_FULL. */
  grow(total: number): void {
    if (!this.#buffer || total <= this.bytes) return;
    if (!this.#buffer.take(total - this.bytes)) {
      throw new GatehouseError(
        'GH_BODY_BUFFER_FULL',
        `Request bodies being read hold the gateway's limit of ${this.#buffer.limit} bytes (server.max_buffered_body_bytes); retry shortly.`,
        { retryAfter: 1 },
      );
    }
    this.bytes = total;
  }

  release(): void {
    this.#buffer?.give(this.bytes);
    this.bytes = 0;
  }
}

/** Bodies the connection can no longer deliver, with the error their request is answered with. */
const abandoned = new WeakMap<IncomingMessage, GatehouseError>();
/** Ends a read in progress, for abandonBody. */
const readers = new WeakMap<IncomingMessage, (error: GatehouseError) => void>();

/**
 * Gives up on a request's body (malformed chunking seen by the HTTP parser, a deadline): a read in
 * progress, or one that starts later, fails with `error`, which the app answers in the caller's shape.
 */
export function abandonBody(req: IncomingMessage, error: GatehouseError): void {
  if (abandoned.has(req)) return;
  abandoned.set(req, error);
  readers.get(req)?.(error);
}

/** Whether the request's body was given up on: its connection cannot carry another request. */
export function bodyAbandoned(req: IncomingMessage): boolean {
  return abandoned.has(req);
}

/**
 * Collects the body up to maxBytes, within the deadline and the shared buffer. Past the size limit it
 * stops keeping data but goes on reading (and discarding) so the 413 can be answered on a healthy
 * connection instead of a reset. A caller that goes away mid-upload is GH_CLIENT_CLOSED (499).
 */
function collect(
  req: IncomingMessage,
  limits: BodyLimits,
  held: Held,
): Promise<{ bytes: Buffer; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (error: GatehouseError, drain: boolean) => {
      finish();
      if (drain) req.resume();
      chunks.length = 0;
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) return stop(tooLarge(limits.maxBytes), true);
      try {
        held.grow(size);
      } catch (err) {
        return stop(err as GatehouseError, true);
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      finish();
      resolve({ bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), size });
    };
    const onGone = () => stop(clientClosed(), false);
    const timer =
      limits.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            const error = new GatehouseError(
              'GH_BODY_TIMEOUT',
              `The request body did not arrive within ${limits.timeoutMs! / 1000} seconds (server.body_timeout_s).`,
            );
            abandoned.set(req, error);
            limits.onAbandon?.(req);
            stop(error, false);
          }, limits.timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      readers.delete(req);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
    };
    readers.set(req, (error) => stop(error, false));
    req.on('data', onData);
    req.on('end', onEnd);
    // An upload cut short is the caller leaving, not a gateway failure: 'error' (aborted) or a close before the end.
    req.on('error', onGone);
    req.on('close', onGone);
  });
}

function clientClosed(): GatehouseError {
  return new GatehouseError('GH_CLIENT_CLOSED', 'The caller closed the connection while sending the body.');
}

function tooLarge(maxBytes: number): GatehouseError {
  return new GatehouseError(
    'GH_BODY_TOO_LARGE',
    `The request body is larger than the limit of ${maxBytes} bytes.`,
  );
}

/**
 * Whether the JSON nests deeper than `limit`. A body with no more than `limit` opening brackets in
 * all cannot, and counting them is native work, far cheaper than the full scan, which runs only
 * when there are more (figures in docs/performance.md, "What makes it fast").
 */
export function nestsDeeperThan(bytes: Buffer, limit: number): boolean {
  let brackets = 0;
  for (const open of [0x7b, 0x5b]) {
    for (let i = bytes.indexOf(open); i !== -1; i = bytes.indexOf(open, i + 1))
      if (++brackets > limit) return jsonDepth(bytes) > limit;
  }
  return false;
}

/** Deepest nesting of objects/arrays, scanning bytes outside strings (so parsing never recurses deeply). */
export function jsonDepth(bytes: Uint8Array): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) {
      if (++depth > max) max = depth;
    } else if (b === 0x7d || b === 0x5d) depth--;
  }
  return max;
}
