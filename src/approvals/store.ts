// Approvals in the database: a tool call that needs a person is a row, pending until someone
// approves or denies it (or it times out, or its caller goes away). The database is the one place
// every replica sees, so a call waiting on one replica may be decided through any other. Each
// decision is written with its audit entry in one transaction.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { GatehouseError } from '../core/errors/index.ts';
import { appendAudit, iso } from '../governance/index.ts';
import type { ApprovalsTable, Schema } from '../store/schema.ts';

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'timed_out' | 'cancelled';
export type Decision = 'approved' | 'denied';

export const approvalSchema = z.object({
  id: z.string(),
  status: z.enum(['pending', 'approved', 'denied', 'timed_out', 'cancelled']),
  server: z.string(),
  tool: z.string(),
  arguments: z.unknown().describe('The arguments the agent sent (redacted like logged bodies)'),
  key_id: z.string().nullable(),
  team_id: z.string().nullable(),
  run_id: z.string().nullable(),
  request_id: z.string(),
  requested_at: z.iso.datetime({ offset: true }),
  expires_at: z.iso.datetime({ offset: true }),
  decided_at: z.iso.datetime({ offset: true }).nullable(),
  decided_by: z
    .string()
    .nullable()
    .describe('The admin who decided (master, or an admin key id); gatehouse for a timeout'),
  reason: z.string().nullable(),
});
export type ApprovalView = z.infer<typeof approvalSchema>;

export function approvalView(row: ApprovalsTable): ApprovalView {
  let args: unknown;
  try {
    args = JSON.parse(row.arguments);
  } catch {
    args = row.arguments;
  }
  return {
    id: row.id,
    status: row.status as ApprovalStatus,
    server: row.server,
    tool: row.tool,
    arguments: args,
    key_id: row.key_id,
    team_id: row.team_id,
    run_id: row.run_id,
    request_id: row.request_id,
    requested_at: iso(Number(row.requested_at)),
    expires_at: iso(Number(row.expires_at)),
    decided_at: row.decided_at === null ? null : iso(Number(row.decided_at)),
    decided_by: row.decided_by,
    reason: row.reason,
  };
}

export async function insertApproval(db: Kysely<Schema>, row: ApprovalsTable): Promise<void> {
  await db.insertInto('approvals').values(row).execute();
}

export async function readApproval(db: Kysely<Schema>, id: string): Promise<ApprovalsTable | undefined> {
  return db.selectFrom('approvals').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Ends a pending approval: a person's decision, or the gateway's (timed_out, cancelled). Only a
 * pending one changes, so two deciders (or a decision racing the timeout) cannot both win; the
 * loser learns what happened. Audited with who decided.
 */
export async function settleApproval(
  db: Kysely<Schema>,
  id: string,
  status: Exclude<ApprovalStatus, 'pending'>,
  actor: string,
  reason: string | null = null,
): Promise<{ changed: boolean; row: ApprovalsTable }> {
  return db.transaction().execute(async (trx) => {
    const now = Date.now();
    const updated = await trx
      .updateTable('approvals')
      .set({ status, decided_at: now, decided_by: actor, reason })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    const row = await trx.selectFrom('approvals').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new GatehouseError('GH_NOT_FOUND', `No approval "${id.slice(0, 100)}".`);
    const changed = Number(updated.numUpdatedRows) === 1;
    if (changed)
      await appendAudit(trx, {
        actor,
        action: `approval.${status}`,
        targetType: 'approval',
        targetId: id,
        before: {
          status: 'pending',
          server: row.server,
          tool: row.tool,
          key_id: row.key_id,
          run_id: row.run_id,
        },
        after: { status, ...(reason ? { reason } : {}) },
      });
    return { changed, row };
  });
}

export async function listApprovals(
  db: Kysely<Schema>,
  query: { status: ApprovalStatus | 'all'; limit: number; after?: { at: number; id: string } | undefined },
): Promise<{ rows: ApprovalsTable[]; next: { at: number; id: string } | undefined }> {
  let q = db.selectFrom('approvals').selectAll();
  if (query.status !== 'all') q = q.where('status', '=', query.status);
  const after = query.after;
  if (after)
    q = q.where((eb) =>
      eb.or([
        eb('requested_at', '>', after.at),
        eb.and([eb('requested_at', '=', after.at), eb('id', '>', after.id)]),
      ]),
    );
  const rows = await q
    .orderBy('requested_at')
    .orderBy('id')
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    rows: page,
    next: rows.length > query.limit && last ? { at: Number(last.requested_at), id: last.id } : undefined,
  };
}
