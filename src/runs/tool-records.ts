// The run of each tool call on its record, so that a run's timeline holds its tool calls beside its
// model calls. The MCP gateway names the run of a tool call by the run header, else by the MCP
// session (the session id the client sends with every request); this sets the same on the record
// when the call starts, for a record that does not carry it already.
import type { Lifecycle } from '../core/lifecycle/index.ts';

export function recordToolCallRuns(lifecycle: Lifecycle): () => void {
  return lifecycle.subscribe({
    requestStarted({ record, headers }) {
      if (record.kind !== 'tool' || record.runId !== undefined) return;
      const header = headers['x-gatehouse-run-id'];
      const session = headers['mcp-session-id'];
      const runId =
        typeof header === 'string' && header !== ''
          ? header.slice(0, 200)
          : typeof session === 'string' && session !== ''
            ? session
            : undefined;
      if (runId !== undefined) record.runId = runId;
    },
  });
}
