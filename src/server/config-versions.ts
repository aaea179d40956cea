// The stored history of configuration versions: every version applied (and every one refused), its
// hash, source, who applied it and its diff from the version before, secrets masked. With the
// database as the source the text to apply is stored too, and this is where replicas read it.
import type { Kysely } from 'kysely';
import { ConfigError, configDiff, configHash, maskConfigText, parseConfigText } from '../config/index.ts';
import type { GatehouseConfig } from '../config/schema.ts';
import { GatehouseError } from '../core/errors/index.ts';
import { appendAudit } from '../governance/index.ts';
import type { Schema } from '../store/index.ts';
import type { ConfigVersionsTable } from '../store/schema.ts';
import type { Logger } from '../telemetry/index.ts';

export type SourceOfTruth = 'file' | 'database';
export type VersionRow = ConfigVersionsTable;
export type VersionSource = VersionRow['source'];
export type VersionStatus = VersionRow['status'];

export interface NewVersion {
  text: string;
  source: VersionSource;
  actor: string;
  status: VersionStatus;
  /** Keep the text to apply (the database is the source). */
  keepText: boolean;
  note?: string;
  /** Audited as an admin change (a PUT or a rollback). */
  audit?: boolean;
}

export class ConfigVersions {
  readonly #db: Kysely<Schema>;

  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }

  /**
   * Stores a version, numbered after the last one, with its diff from the last version applied.
   * A version that is the one already applied is not stored twice (replicas starting on one file).
   */
  async add(input: NewVersion): Promise<VersionRow> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#db.transaction().execute(async (trx) => {
          const last = await trx
            .selectFrom('config_versions')
            .select('id')
            .orderBy('id', 'desc')
            .limit(1)
            .executeTakeFirst();
          const applied = await trx
            .selectFrom('config_versions')
            .selectAll()
            .where('status', 'in', ['applied', 'canary'])
            .orderBy('id', 'desc')
            .limit(1)
            .executeTakeFirst();
          const hash = configHash(input.text);
          if (applied?.hash === hash && input.status === 'applied' && input.source !== 'rollback')
            return applied;
          const masked = maskConfigText(input.text);
          const row: VersionRow = {
            id: (last?.id ?? 0) + 1,
            hash,
            created_at: Date.now(),
            source: input.source,
            actor: input.actor,
            text: input.keepText ? input.text : null,
            masked,
            diff: applied ? configDiff(applied.masked, masked) : '',
            status: input.status,
            note: input.note ?? null,
          };
          await trx.insertInto('config_versions').values(row).execute();
          if (input.audit)
            await appendAudit(trx, {
              actor: input.actor,
              action: input.source === 'rollback' ? 'config.rollback' : 'config.update',
              targetType: 'config',
              targetId: String(row.id),
              before: applied ? { id: applied.id, hash: applied.hash } : undefined,
              after: { id: row.id, hash: row.hash, source: row.source },
            });
          return row;
        });
      } catch (err) {
        // Two replicas numbering a version at once: the primary key refuses one; it numbers again.
        const text = `${(err as { code?: string }).code ?? ''} ${(err as Error).message ?? ''}`;
        if (attempt < 3 && /\b23505\b|UNIQUE constraint failed/.test(text)) continue;
        throw err;
      }
    }
  }

  /** With `from`, only a version still in that status changes (another replica may have decided first). */
  async setStatus(id: number, status: VersionStatus, note?: string, from?: VersionStatus): Promise<void> {
    let update = this.#db
      .updateTable('config_versions')
      .set({ status, ...(note === undefined ? {} : { note }) })
      .where('id', '=', id);
    if (from !== undefined) update = update.where('status', '=', from);
    await update.execute();
  }

  async get(id: number): Promise<VersionRow> {
    const row = await this.#db
      .selectFrom('config_versions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new GatehouseError('GH_NOT_FOUND', `No configuration version ${id}.`);
    return row;
  }

  /** Newest first. */
  async list(page: { limit: number; before?: number }): Promise<VersionRow[]> {
    let query = this.#db.selectFrom('config_versions').selectAll().orderBy('id', 'desc').limit(page.limit);
    if (page.before !== undefined) query = query.where('id', '<', page.before);
    return query.execute();
  }

  /** With the database as the source: the version every replica should run (the newest applied). */
  async wanted(): Promise<VersionRow | undefined> {
    return this.#db
      .selectFrom('config_versions')
      .selectAll()
      .where('text', 'is not', null)
      .where('status', 'in', ['applied', 'canary'])
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }
}

export interface InitialVersion {
  config: GatehouseConfig;
  text: string;
  row: VersionRow;
}

/**
 * The version a gateway starts on. With the file as the source, the file (stored for the history);
 * with the database, its newest applied version, or the file when the database holds none yet (it
 * seeds the database). Runs before anything reads the configuration.
 */
export async function initialVersion(
  versions: ConfigVersions,
  sourceOfTruth: SourceOfTruth,
  fromFile: { config: GatehouseConfig; text: string },
  logger: Logger,
): Promise<InitialVersion> {
  if (sourceOfTruth === 'database') {
    const stored = await versions.wanted();
    if (stored?.text != null) {
      try {
        const config = parseConfigText(stored.text, `configuration version ${stored.id}`);
        return { config, text: stored.text, row: stored };
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        logger.error(`${err.message}\nStarting on the file's configuration instead.`);
      }
    }
  }
  const keepText = sourceOfTruth === 'database';
  const row = await versions.add({
    text: fromFile.text,
    source: 'startup',
    actor: 'startup',
    status: 'applied',
    keepText,
  });
  return { ...fromFile, row };
}
