// Console sessions: a random id in an HttpOnly cookie, its SHA-256 in the store with the identity
// and the CSRF token. Stored rather than signed so that signing out (or an expiry) holds on every
// replica at once.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Schema } from '../../store/schema.ts';
import { hashKey } from '../crypto.ts';
import type { Identity } from './identity.ts';

export interface Session {
  identity: Identity;
  csrfToken: string;
  expiresAt: number;
}

export class SessionStore {
  readonly #db: Kysely<Schema>;
  readonly #ttlMs: number;

  constructor(db: Kysely<Schema>, ttlHours: number) {
    this.#db = db;
    this.#ttlMs = ttlHours * 3_600_000;
  }

  get ttlSeconds(): number {
    return Math.floor(this.#ttlMs / 1000);
  }

  /** A new session; the answer's id goes in the cookie and is not kept anywhere. */
  async create(identity: Identity, now = Date.now()): Promise<{ id: string; session: Session }> {
    const id = randomBytes(32).toString('base64url');
    const session = {
      identity,
      csrfToken: randomBytes(24).toString('base64url'),
      expiresAt: now + this.#ttlMs,
    };
    await this.#db
      .insertInto('sessions')
      .values({
        id_hash: hashKey(id),
        identity: JSON.stringify(identity),
        csrf_token: session.csrfToken,
        created_at: now,
        expires_at: session.expiresAt,
      })
      .execute();
    // Expired sessions are swept now and then, by sign-ins rather than by a timer.
    if (Math.random() < 0.05) await this.#db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
    return { id, session };
  }

  async get(id: string, now = Date.now()): Promise<Session | undefined> {
    if (id === '' || id.length > 100) return undefined;
    const row = await this.#db
      .selectFrom('sessions')
      .selectAll()
      .where('id_hash', '=', hashKey(id))
      .executeTakeFirst();
    if (!row || row.expires_at <= now) return undefined;
    return {
      identity: JSON.parse(row.identity) as Identity,
      csrfToken: row.csrf_token,
      expiresAt: row.expires_at,
    };
  }

  async delete(id: string): Promise<void> {
    await this.#db.deleteFrom('sessions').where('id_hash', '=', hashKey(id)).execute();
  }
}
