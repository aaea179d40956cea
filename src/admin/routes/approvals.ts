// Tool calls waiting for a person: the pending list, one approval, and the decisions. Who decides is
// the admin principal of the request, written to the approval and to the audit log.
import { z } from 'zod';
import { approvalSchema, approvalView, listApprovals, readApproval } from '../../approvals/index.ts';
import { GatehouseError } from '../../core/errors/index.ts';
import { decodeCursor, envelope, listOf, paging, positionCursor } from '../contract.ts';
import type { AdminDeps } from '../deps.ts';
import { defineRoute } from '../route.ts';

const decisionBody = z.strictObject({
  reason: z
    .string()
    .max(2000)
    .optional()
    .describe('Said to the agent with a denial, and kept with the decision'),
});

function service(deps: AdminDeps) {
  if (!deps.approvals) throw new GatehouseError('GH_INTERNAL', 'Approvals are not wired into this gateway.');
  return deps.approvals;
}

const decide = (decision: 'approved' | 'denied', verb: string) =>
  defineRoute({
    method: 'POST',
    path: `/admin/approvals/{id}/${verb}`,
    summary: `${verb === 'approve' ? 'Approve' : 'Deny'} a pending tool call (the waiting call ${verb === 'approve' ? 'runs' : 'gets an MCP error'})`,
    body: decisionBody,
    bodyOptional: true,
    response: approvalSchema,
    handle: async ({ deps, actor, params, body }) =>
      service(deps).decide(params.id, decision, actor, body.reason),
  });

export const approvalRoutes = [
  defineRoute({
    method: 'GET',
    path: '/admin/approvals',
    summary: 'Tool calls waiting for approval (or, with status, decided ones), oldest first',
    query: z.strictObject({
      status: z
        .enum(['pending', 'approved', 'denied', 'timed_out', 'cancelled', 'all'])
        .default('pending')
        .describe('pending (default), a decided status, or all'),
      ...paging,
    }),
    response: listOf(approvalSchema),
    handle: async ({ deps, query }) => {
      const page = await listApprovals(deps.db, {
        status: query.status,
        limit: query.limit,
        after: decodeCursor(query.cursor, positionCursor),
      });
      return envelope({ data: page.rows.map(approvalView), next: page.next });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/admin/approvals/{id}',
    summary: 'One approval: the call, and how it was decided',
    response: approvalSchema,
    handle: async ({ deps, params }) => {
      const row = await readApproval(deps.db, params.id);
      if (!row) throw new GatehouseError('GH_NOT_FOUND', `No approval "${params.id.slice(0, 100)}".`);
      return approvalView(row);
    },
  }),
  decide('approved', 'approve'),
  decide('denied', 'deny'),
];
