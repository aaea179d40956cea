// Provider credentials stored through the admin API, sealed with AES-256-GCM. The configuration
// refers to them as `secret:NAME`; no API ever returns a stored value.
import type { Kysely } from 'kysely';
import { GatehouseError } from '../core/errors/index.ts';
import type { Schema } from '../store/schema.ts';
import { appendAudit } from './audit.ts';
import type { SecretBox } from './crypto.ts';

export const secretPrefix = 'secret:';
const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export interface SecretInfo {
  name: string;
  createdAt: string;
  updatedAt: string;
}

export class SecretStore {
  readonly #db: Kysely<Schema>;
  readonly #box: SecretBox;

  constructor(db: Kysely<Schema>, box: SecretBox) {
    this.#db = db;
    this.#box = box;
  }

  async put(actor: string, name: string, value: string): Promise<SecretInfo> {
    if (!namePattern.test(name)) {
      throw new GatehouseError('GH_INVALID_REQUEST', 'name: use 1–100 letters, digits, . _ or -', {
        param: 'name',
      });
    }
    const now = Date.now();
    return this.#db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('secrets')
        .select(['name', 'created_at'])
        .where('name', '=', name)
        .executeTakeFirst();
      const sealed = this.#box.seal(value);
      if (before)
        await trx.updateTable('secrets').set({ sealed, updated_at: now }).where('name', '=', name).execute();
      else
        await trx.insertInto('secrets').values({ name, sealed, created_at: now, updated_at: now }).execute();
      const info = {
        name,
        createdAt: new Date(before?.created_at ?? now).toISOString(),
        updatedAt: new Date(now).toISOString(),
      };
      await appendAudit(trx, {
        actor,
        action: before ? 'secret.update' : 'secret.create',
        targetType: 'secret',
        targetId: name,
        after: { ...info, value },
      });
      return info;
    });
  }

  async delete(actor: string, name: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const gone = await trx.deleteFrom('secrets').where('name', '=', name).executeTakeFirst();
      if (Number(gone.numDeletedRows) === 0)
        throw new GatehouseError('GH_INVALID_REQUEST', `no secret "${name}"`, { param: 'name', status: 404 });
      await appendAudit(trx, { actor, action: 'secret.delete', targetType: 'secret', targetId: name });
    });
  }

  async list(): Promise<SecretInfo[]> {
    const rows = await this.#db
      .selectFrom('secrets')
      .select(['name', 'created_at', 'updated_at'])
      .orderBy('name')
      .execute();
    return rows.map((r) => ({
      name: r.name,
      createdAt: new Date(r.created_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
    }));
  }

  /** Versions (update times) of the named secrets; absent ones are missing from the map. */
  async versions(names: string[]): Promise<Map<string, number>> {
    if (names.length === 0) return new Map();
    const rows = await this.#db
      .selectFrom('secrets')
      .select(['name', 'updated_at'])
      .where('name', 'in', names)
      .execute();
    return new Map(rows.map((r) => [r.name, r.updated_at]));
  }

  /** Decrypted values of the named secrets that exist. */
  async reveal(names: string[]): Promise<Map<string, string>> {
    if (names.length === 0) return new Map();
    const rows = await this.#db
      .selectFrom('secrets')
      .select(['name', 'sealed'])
      .where('name', 'in', names)
      .execute();
    return new Map(rows.map((r) => [r.name, this.#box.open(r.sealed)]));
  }
}

/** The secret names a provider's configuration refers to (`api_key: secret:openai-prod`). */
export function secretReferences(value: unknown): string[] {
  if (typeof value === 'string')
    return value.startsWith(secretPrefix) ? [value.slice(secretPrefix.length)] : [];
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(secretReferences);
  return [];
}

/** A copy of the configuration with each `secret:NAME` replaced by its value (undefined when missing). */
export function withSecrets<T>(value: T, secrets: ReadonlyMap<string, string>): T {
  if (typeof value === 'string')
    return (value.startsWith(secretPrefix) ? secrets.get(value.slice(secretPrefix.length)) : value) as T;
  if (Array.isArray(value)) return value.map((v) => withSecrets(v, secrets)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withSecrets(v, secrets)])) as T;
  }
  return value;
}
