// The approval hook of the MCP gateway: a tool listed under its server's `approval.required` (a
// name or a glob) runs only once a person approves it; a denial, a timeout or a cancelled wait
// becomes an MCP error the agent can read.
import { type ToolCall, type ToolCallHook, ToolRefusal } from '../mcp/hooks.ts';
import type { Approvals } from './approvals.ts';

const globs = new Map<string, RegExp>();

export function matchesGlob(pattern: string, name: string): boolean {
  let re = globs.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    globs.set(pattern, re);
  }
  return re.test(name);
}

export function approvalHook(approvals: Approvals): ToolCallHook {
  return {
    async before(call: ToolCall): Promise<void> {
      const approval = call.approval;
      if (!approval?.required.some((pattern) => matchesGlob(pattern, call.tool))) return;
      const { id, status, view } = await approvals.request({
        server: call.server,
        tool: call.tool,
        name: call.name,
        arguments: call.arguments,
        principal: call.principal,
        runId: call.runId,
        requestId: call.requestId,
        timeoutMs: approval.timeoutS * 1000,
        signal: call.signal,
      });
      if (status === 'approved') return;
      const data = { approval_id: id, status };
      if (status === 'denied')
        throw new ToolRefusal(
          'approval_denied',
          `The call of ${call.name} was denied by ${view?.decided_by ?? 'an admin'}${view?.reason ? `: ${view.reason}` : ''} (approval ${id}).`,
          { data },
        );
      if (status === 'timed_out')
        throw new ToolRefusal(
          'approval_timeout',
          `The call of ${call.name} needs a person's approval and none came within ${approval.timeoutS} s (approval ${id}).`,
          { data },
        );
      throw new ToolRefusal(
        'approval_cancelled',
        `The wait for approval of ${call.name} was ended (approval ${id}).`,
        {
          data,
        },
      );
    },
  };
}
