// Run bounds on tool calls, as an MCP gateway hook: a tool call made in a run (the run header, else
// the MCP session) is one step of it, refused past `max_tool_calls`, the run's cost or time, or by
// the loop breaker when the same tool is called with the same arguments too many times in a row.
// The refusal is an MCP error whose data carries `run_limit_exceeded` and the bound.
import { GatehouseError } from '../core/errors/index.ts';
import { type ToolCall, type ToolCallHook, ToolRefusal } from '../mcp/hooks.ts';
import { type RunGuard, RunLimitExceeded } from './guard.ts';

export function runHook(guard: RunGuard): ToolCallHook {
  return {
    async before(call: ToolCall): Promise<void> {
      if (call.runId === undefined || !guard.applies(call.principal)) return;
      try {
        await guard.step(call.principal, call.runId, 'tool', () => ({
          server: call.server,
          tool: call.tool,
          arguments: call.arguments,
        }));
      } catch (err) {
        if (err instanceof RunLimitExceeded)
          throw new ToolRefusal('run_limit_exceeded', err.message, { data: { bound: err.bound } });
        if (err instanceof GatehouseError) throw new ToolRefusal(err.publicCode, err.message);
        throw err;
      }
    },
  };
}
