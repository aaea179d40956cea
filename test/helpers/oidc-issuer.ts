// A small OpenID Connect issuer for tests: discovery, JWKS, an authorization endpoint with a login
// form, and a token endpoint doing the authorization-code grant with PKCE (S256 only). It signs with
// RS256 and can rotate its key, as real issuers do.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export interface TestUser {
  sub: string;
  claims: Record<string, unknown>;
}

interface Pending {
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce: string | undefined;
  user: TestUser;
  scope: string;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function newKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomBytes(6).toString('hex');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

const readBody = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
};

export class TestIssuer {
  url = '';
  readonly clients = new Map<string, { secret: string; redirectUris: string[] }>();
  readonly users = new Map<string, TestUser>();
  /** How many times the JWKS was fetched: a rotation must make the gateway fetch it again. */
  jwksFetches = 0;
  #keys: SigningKey[] = [];
  readonly #codes = new Map<string, Pending>();
  #server: Server | undefined;

  async start(): Promise<this> {
    this.#keys = [await newKey()];
    this.#server = createServer((req, res) => {
      this.#handle(req).then(
        ({ status, headers, body }) => {
          res.writeHead(status, headers);
          res.end(body);
        },
        (err: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(err.message);
        },
      );
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.#server?.close(() => resolve()) ?? resolve());
  }

  /** A new signing key; the old one leaves the JWKS unless kept. */
  async rotate(keepOld = false): Promise<void> {
    const next = await newKey();
    this.#keys = keepOld ? [next, ...this.#keys] : [next];
  }

  /** A token signed with the current key, for bearer calls. */
  async mint(user: TestUser, audience: string, extra: Record<string, unknown> = {}, expiresIn = '5m') {
    const key = this.#keys[0]!;
    return new SignJWT({ ...user.claims, ...extra })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .setIssuer(this.url)
      .setSubject(user.sub)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .sign(key.privateKey);
  }

  async #handle(
    req: IncomingMessage,
  ): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    const url = new URL(req.url ?? '/', this.url);
    const json = (status: number, body: unknown) => ({
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (url.pathname === '/.well-known/openid-configuration')
      return json(200, {
        issuer: this.url,
        authorization_endpoint: `${this.url}/authorize`,
        token_endpoint: `${this.url}/token`,
        jwks_uri: `${this.url}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      });
    if (url.pathname === '/jwks') {
      this.jwksFetches++;
      return json(200, { keys: this.#keys.map((k) => k.jwk) });
    }
    if (url.pathname === '/authorize' && req.method === 'GET') {
      const q = url.searchParams;
      const client = this.clients.get(q.get('client_id') ?? '');
      if (!client?.redirectUris.includes(q.get('redirect_uri') ?? ''))
        return json(400, { error: 'invalid_request', error_description: 'unknown client or redirect_uri' });
      if (
        q.get('response_type') !== 'code' ||
        q.get('code_challenge_method') !== 'S256' ||
        !q.get('code_challenge')
      )
        return json(400, { error: 'invalid_request', error_description: 'code flow with PKCE S256 only' });
      const hidden = [...q.entries()]
        .map(([k, v]) => `<input type="hidden" name="${k}" value="${v.replace(/"/g, '&quot;')}">`)
        .join('');
      return {
        status: 200,
        headers: { 'content-type': 'text/html' },
        body: `<form method="post" action="/login">${hidden}<input name="username"><button>Sign in</button></form>`,
      };
    }
    if (url.pathname === '/login' && req.method === 'POST') {
      const form = await readBody(req);
      const user = this.users.get(form.get('username') ?? '');
      if (!user) return { status: 401, headers: { 'content-type': 'text/plain' }, body: 'unknown user' };
      const code = randomBytes(16).toString('base64url');
      this.#codes.set(code, {
        clientId: form.get('client_id')!,
        redirectUri: form.get('redirect_uri')!,
        challenge: form.get('code_challenge')!,
        nonce: form.get('nonce') ?? undefined,
        user,
        scope: form.get('scope') ?? '',
      });
      const back = new URL(form.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', form.get('state') ?? '');
      back.searchParams.set('iss', this.url);
      return { status: 302, headers: { location: back.href }, body: '' };
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      const form = await readBody(req);
      let clientId = form.get('client_id') ?? '';
      let secret = form.get('client_secret');
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      if (basic) {
        const [id, pass] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
        clientId = decodeURIComponent(id ?? '');
        secret = decodeURIComponent(pass ?? '');
      }
      const client = this.clients.get(clientId);
      if (!client || client.secret !== secret) return json(401, { error: 'invalid_client' });
      const code = form.get('code') ?? '';
      const pending = this.#codes.get(code);
      this.#codes.delete(code);
      if (!pending || pending.clientId !== clientId || pending.redirectUri !== form.get('redirect_uri'))
        return json(400, { error: 'invalid_grant' });
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== pending.challenge)
        return json(400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
      const idToken = await this.mint(pending.user, clientId, pending.nonce ? { nonce: pending.nonce } : {});
      const accessToken = await this.mint(pending.user, clientId, { scope: pending.scope });
      return json(200, {
        access_token: accessToken,
        id_token: idToken,
        token_type: 'Bearer',
        expires_in: 300,
      });
    }
    return json(404, { error: 'not_found' });
  }
}
