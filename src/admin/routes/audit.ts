// /admin/audit: the hash-chained audit log, in sequence order, and its verification.
import { z } from 'zod';
import { auditEntrySchema, auditView, listAudit, verifyAudit } from '../../governance/index.ts';
import { decodeCursor, encodeCursor, listOf, paging } from '../contract.ts';
import { defineRoute } from '../route.ts';

const seqCursor = z.object({ seq: z.number().int().min(0) });

export const auditRoutes = [
  defineRoute({
    method: 'GET',
    path: '/admin/audit',
    summary: 'Audit entries in sequence order',
    query: z.strictObject({
      after: z.coerce
        .number({ message: 'expected a sequence number' })
        .int({ message: 'expected a sequence number' })
        .min(0, { message: 'expected a sequence number' })
        .optional()
        .describe('Entries after this sequence number'),
      ...paging,
    }),
    response: listOf(auditEntrySchema),
    handle: async ({ deps, query }) => {
      const after = Math.max(query.after ?? 0, decodeCursor(query.cursor, seqCursor)?.seq ?? 0);
      const rows = await listAudit(deps.db, { afterSeq: after, limit: query.limit + 1 });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        data: page.map(auditView),
        next_cursor: rows.length > query.limit && last ? encodeCursor({ seq: Number(last.seq) }) : null,
      };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/admin/audit/verify',
    summary: 'Check the hash chain; names the first altered or missing entry',
    response: z.object({
      ok: z.boolean(),
      entries: z.number().int(),
      seq: z.number().int().optional().describe('The first entry at fault'),
      problem: z.string().optional(),
    }),
    handle: async ({ deps }) => {
      const result = await verifyAudit(deps.db);
      return result.problem
        ? { ok: false, entries: result.entries, ...result.problem }
        : { ok: true, entries: result.entries };
    },
  }),
];
