// The state of one authorization-code flow, carried from /oidc/start to /oidc/callback in a cookie
// signed by the gateway (so any replica can finish it): the issuer, state, nonce, PKCE verifier and
// where to land. Signed rather than stored: a flow abandoned at the issuer leaves nothing behind.
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { GatehouseError } from '../../core/errors/index.ts';

export interface Flow {
  provider: string;
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
  expiresAt: number;
}

const random = () => randomBytes(32).toString('base64url');

/** A fresh flow, good for ten minutes. */
export function newFlow(provider: string, returnTo: string, now = Date.now()): Flow {
  return {
    provider,
    state: random(),
    nonce: random(),
    verifier: random(),
    returnTo,
    expiresAt: now + 600_000,
  };
}

/** PKCE S256: the challenge sent with the login, answered later by the verifier. */
export const codeChallenge = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

export class FlowSigner {
  readonly #key: Buffer;

  /** `root` is the master key: every replica derives the same signing key. */
  constructor(root: string) {
    this.#key = Buffer.from(hkdfSync('sha256', root, 'gatehouse', 'oidc-flow-v1', 32));
  }

  seal(flow: Flow): string {
    const body = Buffer.from(JSON.stringify(flow)).toString('base64url');
    return `${body}.${this.#mac(body)}`;
  }

  /** The flow a cookie carries; refuses one that is missing, altered or expired. */
  open(cookie: string | undefined, now = Date.now()): Flow {
    const refuse = (why: string) =>
      new GatehouseError('GH_UNAUTHENTICATED', `The sign-in could not be finished: ${why}; start it again.`);
    if (!cookie) throw refuse('its cookie is missing (it lasts ten minutes, in this browser only)');
    const [body, mac] = cookie.split('.');
    const expected = body ? Buffer.from(this.#mac(body)) : undefined;
    if (
      !body ||
      !mac ||
      !expected ||
      expected.length !== mac.length ||
      !timingSafeEqual(expected, Buffer.from(mac))
    )
      throw refuse('its cookie is not one this gateway signed');
    const flow = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Flow;
    if (flow.expiresAt <= now) throw refuse('it took more than ten minutes');
    return flow;
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url');
  }
}
