// Reads and parses a JSON request body with hard limits: size (413), encoding (valid UTF-8),
// nesting depth, and a JSON object at the top. Every refusal is a 4xx GatehouseError.
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { GatehouseError } from '../core/errors/index.ts';

export interface BodyLimits {
  maxBytes: number;
  maxDepth: number;
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
  const { bytes, size } = await collect(req, limits.maxBytes);
  if (size === 0)
    throw new GatehouseError('GH_INVALID_JSON', 'The request body is empty; send a JSON object.');
  if (!isUtf8(bytes)) throw new GatehouseError('GH_INVALID_ENCODING', 'The request body is not valid UTF-8.');
  if (nestsDeeperThan(bytes, limits.maxDepth)) {
    throw new GatehouseError(
      'GH_JSON_TOO_DEEP',
      `The request body nests deeper than ${limits.maxDepth} levels.`,
    );
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

/**
 * Collects the body up to maxBytes. Past the limit it stops keeping data but goes on reading (and
 * discarding) so the 413 can be answered on a healthy connection instead of a reset.
 */
function collect(req: IncomingMessage, maxBytes: number): Promise<{ bytes: Buffer; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.off('end', onEnd);
        req.resume();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () =>
      resolve({ bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), size });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
  });
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
