// Who is calling. Until virtual keys are configured the data plane accepts the master key; with no
// master key at all the gateway listens on loopback only and lets local callers in.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GatehouseError } from '../core/errors/index.ts';

/** The credential a request carries: `Authorization: Bearer …` or `x-api-key: …`. */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match) return match[1]!.trim();
  }
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey !== '' ? apiKey.trim() : undefined;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

export class MasterKeyAuth {
  readonly #digest: Buffer | undefined;

  constructor(masterKey: string | undefined) {
    this.#digest = masterKey ? digest(masterKey) : undefined;
  }

  get open(): boolean {
    return this.#digest === undefined;
  }

  /** Throws GH_UNAUTHENTICATED unless the request carries the master key (or no key is configured). */
  authenticate(headers: IncomingHttpHeaders): void {
    if (!this.#digest) return;
    const key = presentedKey(headers);
    if (key === undefined) {
      throw new GatehouseError(
        'GH_UNAUTHENTICATED',
        'Missing API key: send it as "Authorization: Bearer <key>" or "x-api-key: <key>".',
      );
    }
    // Comparing fixed-length digests keeps the time independent of how much of the key matches.
    if (!timingSafeEqual(digest(key), this.#digest)) {
      throw new GatehouseError('GH_UNAUTHENTICATED', 'Invalid API key.');
    }
  }
}
