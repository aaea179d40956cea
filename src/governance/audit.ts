// The append-only audit log in the database. Appends happen inside the transaction of the change
// they describe, so a change and its audit entry are written together or not at all.
import { channel } from 'node:diagnostics_channel';
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { Schema } from '../store/schema.ts';
import { type AuditEntry, type ChainProblem, entryHash, genesisHash, verifyChain } from './audit-chain.ts';
import { iso } from './views.ts';

export interface AuditRecord {
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  before?: unknown;
  after?: unknown;
}

const secretFields = /^(key|api_key|secret|value|sealed|hash|previous_hash|password|token)$/i;

/** Deep copy with secret-looking fields replaced, so no secret is ever written to the audit log. */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = secretFields.test(k) && v != null ? '***' : maskSecrets(v);
    return out;
  }
  return value;
}

/** Audits an action that changes no governed row (a cache purge): an entry of its own. */
export async function auditAction(db: Kysely<Schema>, record: AuditRecord): Promise<void> {
  await db.transaction().execute((trx) => appendAudit(trx, record));
}

/** Every audited change, as it is written: the gateway's log says what changed, and who changed it. */
export const auditChanges = channel('gatehouse:audit');

export async function appendAudit(
  trx: Transaction<Schema>,
  record: AuditRecord,
  now = Date.now(),
): Promise<void> {
  const last = await trx
    .selectFrom('audit_log')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const entry: Omit<AuditEntry, 'hash'> = {
    seq: (last?.seq ?? 0) + 1,
    at: now,
    actor: record.actor,
    action: record.action,
    target_type: record.targetType,
    target_id: record.targetId,
    before: record.before === undefined ? null : JSON.stringify(maskSecrets(record.before)),
    after: record.after === undefined ? null : JSON.stringify(maskSecrets(record.after)),
    prev_hash: last?.hash ?? genesisHash,
  };
  const hash = entryHash(entry);
  await trx
    .insertInto('audit_log')
    .values({ ...entry, hash })
    .execute();
  await trx
    .insertInto('audit_head')
    .values({ id: 1, seq: entry.seq, hash })
    .onConflict((oc) => oc.column('id').doUpdateSet({ seq: entry.seq, hash }))
    .execute();
  // Published before the commit (the audit entry is the change's last write); no secret is in it.
  if (auditChanges.hasSubscribers) {
    const { actor, action, targetType, targetId } = record;
    auditChanges.publish({ actor, action, targetType, targetId });
  }
}

const objectView = z
  .record(z.string(), z.unknown())
  .nullable()
  .describe("The object's view as the admin API showed it then (secrets masked); null when none");

export const auditEntrySchema = z.object({
  seq: z.number().int(),
  at: z.iso.datetime({ offset: true }),
  actor: z.string().describe('"master", or the id of the key that made the change'),
  action: z.string().describe('e.g. team.create, key.rotate, key.delete, secret.update'),
  target_type: z.string(),
  target_id: z.string(),
  details: z.object({ before: objectView, after: objectView }),
  prev_hash: z.string(),
  hash: z.string().describe('SHA-256 over the entry and prev_hash; GET /admin/audit/verify checks the chain'),
});

/** An entry as the admin API shows it: the stored JSON text of before and after as objects. */
export function auditView(entry: AuditEntry): z.infer<typeof auditEntrySchema> {
  const parse = (text: string | null) =>
    text === null ? null : (JSON.parse(text) as Record<string, unknown>);
  return {
    seq: Number(entry.seq),
    at: iso(entry.at),
    actor: entry.actor,
    action: entry.action,
    target_type: entry.target_type,
    target_id: entry.target_id,
    details: { before: parse(entry.before), after: parse(entry.after) },
    prev_hash: entry.prev_hash,
    hash: entry.hash,
  };
}

export async function listAudit(
  db: Kysely<Schema>,
  options: { afterSeq?: number; limit?: number } = {},
): Promise<AuditEntry[]> {
  return db
    .selectFrom('audit_log')
    .selectAll()
    .where('seq', '>', options.afterSeq ?? 0)
    .orderBy('seq')
    .limit(options.limit ?? 100)
    .execute();
}

/** Walks the whole chain in pages; returns the first problem, or undefined when intact. */
export async function verifyAudit(db: Kysely<Schema>): Promise<{ entries: number; problem?: ChainProblem }> {
  const all: AuditEntry[] = [];
  let after = 0;
  for (;;) {
    const page = await listAudit(db, { afterSeq: after, limit: 1000 });
    all.push(...page);
    if (page.length < 1000) break;
    after = page.at(-1)!.seq;
  }
  const problem = verifyChain(all) ?? (await checkHead(db, all.at(-1)));
  return problem ? { entries: all.length, problem } : { entries: all.length };
}

async function checkHead(
  db: Kysely<Schema>,
  last: AuditEntry | undefined,
): Promise<ChainProblem | undefined> {
  const head = await db.selectFrom('audit_head').selectAll().executeTakeFirst();
  if (!head) return last ? { seq: last.seq, problem: 'the chain head is missing' } : undefined;
  if (!last || last.seq < head.seq)
    return { seq: (last?.seq ?? 0) + 1, problem: `entries ${(last?.seq ?? 0) + 1}–${head.seq} are missing` };
  if (last.seq !== head.seq || last.hash !== head.hash)
    return { seq: last.seq, problem: `entry ${last.seq} does not match the chain head` };
  return undefined;
}
