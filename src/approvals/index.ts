// A person in the loop: tool calls that wait for approval (approvals.ts), their rows and decisions
// (store.ts), and the MCP gateway's hook (hook.ts).
export { type ApprovalRequest, Approvals, type ApprovalsOptions } from './approvals.ts';
export { approvalHook, matchesGlob } from './hook.ts';
export {
  type ApprovalStatus,
  type ApprovalView,
  approvalSchema,
  approvalView,
  type Decision,
  listApprovals,
  readApproval,
} from './store.ts';
