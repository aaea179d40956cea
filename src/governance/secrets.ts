// Provider credentials stored through the admin API, sealed with AES-256-GCM. The configuration
// refers to them as `secret:NAME`; no API ever returns a stored value.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { GatehouseError } from '../core/errors/index.ts';
import type { Schema } from '../store/schema.ts';
import { appendAudit } from './audit.ts';
import type { SecretBox } from './crypto.ts';
import { iso } from './views.ts';

export const secretPrefix = 'secret:';
const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export const secretSchema = z.object({
  name: z.string(),
  created_at: z.iso.datetime({ offset: true }),
  updated_at: z.iso.datetime({ offset: true }),
});
export type SecretInfo = z.infer<typeof secretSchema>;

const secretView = (row: { name: string; created_at: number; updated_at: number }): SecretInfo => ({
  name: row.name,
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at),
});

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
      const info = secretView({ name, created_at: before?.created_at ?? now, updated_at: now });
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

  /** Deletes a secret; answers its last name and dates. */
  async delete(actor: string, name: string): Promise<SecretInfo> {
    return this.#db.transaction().execute(async (trx) => {
      const before = await this.get(name, trx);
      await trx.deleteFrom('secrets').where('name', '=', name).execute();
      await appendAudit(trx, {
        actor,
        action: 'secret.delete',
        targetType: 'secret',
        targetId: name,
        before,
      });
      return before;
    });
  }

  async get(name: string, db: Pick<Kysely<Schema>, 'selectFrom'> = this.#db): Promise<SecretInfo> {
    const row = await db
      .selectFrom('secrets')
      .select(['name', 'created_at', 'updated_at'])
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) throw new GatehouseError('GH_NOT_FOUND', `No secret "${name.slice(0, 200)}".`);
    return secretView(row);
  }

  /** Names and dates in name order, `limit` of them after the name `after`; never values. */
  async list(page: { limit: number; after?: string | undefined }): Promise<SecretInfo[]> {
    let query = this.#db.selectFrom('secrets').select(['name', 'created_at', 'updated_at']);
    if (page.after !== undefined) query = query.where('name', '>', page.after);
    const rows = await query.orderBy('name').limit(page.limit).execute();
    return rows.map(secretView);
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
