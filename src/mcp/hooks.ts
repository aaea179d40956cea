// The seam where policy plugs into tool calls. The MCP gateway runs every tools/call through an
// ordered list of hooks: each `before` may refuse (throw a ToolRefusal) or wait (an approval);
// each `after` sees the upstream's answer or failure and may replace the result (a guardrail on
// tool results) or record it. Per-tool rate limits are one such hook (rate-limit.ts); run bounds,
// approvals and guardrails are others, added by whoever builds the gateway's hook list.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { RequestRecord } from '../core/records/index.ts';
import type { Principal } from '../governance/index.ts';

export type { CallToolResult };

/** What the `approval:` field of a server in `mcp_servers:` says; enforced by an approval hook. */
export interface ToolApproval {
  /** Tool names (unprefixed, as the server calls them) or globs that need a person's approval. */
  required: string[];
  /** How long a call waits for a decision before it is refused. */
  timeoutS: number;
}

export interface ToolCall {
  server: string;
  /** The tool's name at its server. */
  tool: string;
  /** The namespaced name as the client saw it (`github__search` at /mcp, `search` at /mcp/github). */
  name: string;
  arguments: Record<string, unknown>;
  principal: Principal;
  /** The x-gatehouse-run-id header, else the MCP session id. */
  runId?: string;
  sessionId?: string;
  requestId: string;
  /** Aborted when the client cancels the call, leaves, or the gateway shuts down. */
  signal: AbortSignal;
  /** The server's `approval:` configuration, when it has one. */
  approval?: ToolApproval;
  /** The call's event in the request log: a hook may add to it (guardrail verdicts). */
  record?: RequestRecord;
}

export interface ToolCallOutcome {
  result?: CallToolResult;
  error?: unknown;
  durationMs: number;
}

export interface ToolCallHook {
  /** Throws a ToolRefusal (code + message) to refuse; may wait (approvals). */
  before?(call: ToolCall): Promise<void>;
  /**
   * After the upstream answered (or failed): may inspect or replace the result content (guardrails
   * on tool results), or record. Returning undefined keeps the result as it is; hooks run in order,
   * each seeing the result the previous one left.
   */
  after?(call: ToolCall, outcome: ToolCallOutcome): Promise<CallToolResult | undefined>;
}

/**
 * A refusal of a tool call: the client receives an MCP error (JSON-RPC code -32003 unless the
 * hook names another) whose message is this message and whose data carries the stable code, e.g.
 * `{ code: 'run_limit_exceeded' }`.
 */
export class ToolRefusal extends Error {
  readonly code: string;
  readonly rpcCode: number;
  readonly data: Record<string, unknown> | undefined;
  constructor(
    code: string,
    message: string,
    options: { rpcCode?: number; data?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'ToolRefusal';
    this.code = code;
    this.rpcCode = options.rpcCode ?? -32003;
    this.data = options.data;
  }
}
