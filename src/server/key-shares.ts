// Each key's share of the gateway: how many model requests one key (or the master key) may have in
// flight at once. server.max_in_flight bounds the process; without a share per key, one caller
// holding thousands of slow requests (or slow bodies) would leave every other tenant a 503.
import { GatehouseError } from '../core/errors/index.ts';

export class KeyShares {
  readonly perKey: number;
  readonly #inFlight = new Map<string, number>();

  constructor(perKey: number) {
    this.perKey = perKey;
  }

  /** Counts one more request for `key`, or throws GH_TOO_MANY_IN_FLIGHT (429) when its share is taken. */
  enter(key: string): void {
    const count = this.#inFlight.get(key) ?? 0;
    if (count >= this.perKey) {
      throw new GatehouseError(
        'GH_TOO_MANY_IN_FLIGHT',
        `This key already has ${count} requests in flight, its share of the gateway (server.max_in_flight_per_key); retry when one finishes.`,
        { retryAfter: 1 },
      );
    }
    this.#inFlight.set(key, count + 1);
  }

  leave(key: string): void {
    const count = (this.#inFlight.get(key) ?? 1) - 1;
    // Idle keys are forgotten, so the map holds only keys with requests in flight.
    if (count <= 0) this.#inFlight.delete(key);
    else this.#inFlight.set(key, count);
  }
}

/** The key a principal is counted under: the virtual key, or the master key. */
export function shareKey(principal: { keyId?: string; userId?: string; kind?: string }): string {
  // A person calling with an OIDC token has no key: their user is what shares.
  if (principal.keyId === undefined && principal.kind === 'identity')
    return `user:${principal.userId ?? '?'}`;
  return principal.keyId ?? 'master';
}
