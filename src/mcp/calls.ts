// One tools/call through the gateway: resolve the name, authorise it by the caller's tool rules,
// hold back a tool whose definition changed, narrow and check the arguments, run the hooks (rate
// limits, run bounds, approvals), call the server (bounded, cancellable, with progress passed
// through), let the hooks see the result, and record the call as a `tool` event in every case.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { type CallToolResult, ErrorCode, McpError, type Progress } from '@modelcontextprotocol/sdk/types.js';
import type { Lifecycle } from '../core/lifecycle/index.ts';
import type { RequestRecord } from '../core/records/index.ts';
import { attribute, type Principal } from '../governance/index.ts';
import { redactJson } from '../telemetry/index.ts';
import type { Catalog } from './catalog.ts';
import { type ToolCall, type ToolCallHook, ToolRefusal } from './hooks.ts';
import {
  applyNarrowings,
  describeRefusal,
  narrowingsFor,
  narrowSchema,
  qualify,
  refusingRule,
  schemaProblem,
  splitName,
} from './policy.ts';
import { abortable, UpstreamError } from './upstream.ts';

/** JSON-RPC error codes of the gateway's refusals (the -32000 range is the implementation's own). */
export const rpcCodes = { forbidden: -32003, withheld: -32004, unavailable: -32002 } as const;

export interface CallContext {
  principal: Principal;
  /** The server of /mcp/<server>; undefined at /mcp. */
  scope: string | undefined;
  sessionId?: string | undefined;
  runId?: string | undefined;
  requestId: string;
  headers: IncomingHttpHeaders;
  signal: AbortSignal;
  /** Forwards a progress notification to the caller, when it asked for progress. */
  progress?: ((progress: Progress) => void) | undefined;
}

export interface CallDeps {
  catalog: Catalog;
  hooks: readonly ToolCallHook[];
  lifecycle: Lifecycle;
  /** Body logging for callers whose key or team sets none. */
  bodies: 'off' | 'metadata' | 'full';
  /** Aborted when shutdown's grace period runs out: calls still running are cut. */
  shutdown?: AbortSignal | undefined;
}

/** A failure the record names by code and status, and the caller receives as an MCP error. */
class Refused extends Error {
  readonly status: number;
  readonly code: string;
  readonly rpc: McpError;
  constructor(status: number, code: string, rpc: McpError) {
    super(rpc.message);
    this.status = status;
    this.code = code;
    this.rpc = rpc;
  }
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value ?? null));

export async function callTool(
  deps: CallDeps,
  ctx: CallContext,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  const started = performance.now();
  const signal = deps.shutdown ? AbortSignal.any([ctx.signal, deps.shutdown]) : ctx.signal;
  const resolved = ctx.scope !== undefined ? [ctx.scope, name] : splitName(name);
  const [server, tool] = resolved ?? ['', name];
  const record: RequestRecord = {
    requestId: ctx.requestId,
    eventId: randomUUID(),
    surface: 'mcp',
    route: ctx.scope === undefined ? '/mcp' : '/mcp/{server}',
    receivedAt: Date.now(),
    attempts: [],
    status: 200,
    kind: 'tool',
    mcpServer: server,
    tool,
    argumentBytes: bytes(args),
  };
  const p = ctx.principal;
  attribute(record, p);
  deps.lifecycle.requestStarted(record, ctx.headers);
  const bodies = p.logBodies ?? deps.bodies;
  let sentArgs = args;
  try {
    const upstream = deps.catalog.upstreams.get(server);
    if (!resolved || !upstream) {
      throw new Refused(404, 'GH_NOT_FOUND', new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`));
    }
    const qualified = qualify(server, tool);
    const rule = refusingRule(p, qualified);
    if (rule)
      throw new Refused(
        403,
        'GH_FORBIDDEN',
        new McpError(rpcCodes.forbidden, describeRefusal(rule, qualified)),
      );
    let listing: Awaited<ReturnType<typeof upstream.listing>>;
    try {
      listing = await abortable(upstream.listing(), signal);
    } catch (err) {
      throw signal.aborted ? err : unavailable(err);
    }
    const definition = listing.tools.find((t) => t.name === tool);
    if (!definition)
      throw new Refused(404, 'GH_NOT_FOUND', new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`));
    if ((await deps.catalog.withheld(server, [definition])).size > 0)
      throw new Refused(
        403,
        'GH_TOOL_PENDING_APPROVAL',
        new McpError(
          rpcCodes.withheld,
          `The definition of the tool "${qualified}" changed since it was approved; it is withheld until an admin approves the new one.`,
        ),
      );
    const narrowings = narrowingsFor(p, qualified);
    const narrowed = applyNarrowings(args, narrowings);
    if ('refusal' in narrowed)
      throw new Refused(400, 'GH_INVALID_REQUEST', new McpError(ErrorCode.InvalidParams, narrowed.refusal));
    sentArgs = narrowed.args;
    const problem = schemaProblem(narrowSchema(definition.inputSchema, narrowings), sentArgs);
    if (problem)
      throw new Refused(
        400,
        'GH_INVALID_REQUEST',
        new McpError(ErrorCode.InvalidParams, `Invalid arguments for the tool "${name}": ${problem}`),
      );

    const call: ToolCall = {
      server,
      tool,
      name,
      arguments: sentArgs,
      principal: p,
      requestId: ctx.requestId,
      signal,
      record,
    };
    if (ctx.runId !== undefined) call.runId = ctx.runId;
    if (ctx.sessionId !== undefined) call.sessionId = ctx.sessionId;
    if (upstream.config.approval)
      call.approval = {
        required: upstream.config.approval.required,
        timeoutS: upstream.config.approval.timeout_s,
      };
    try {
      for (const hook of deps.hooks) await hook.before?.(call);
    } catch (err) {
      if (err instanceof ToolRefusal)
        throw new Refused(
          err.code === 'rate_limited' ? 429 : 403,
          err.code === 'rate_limited' ? 'GH_RATE_LIMITED' : err.code,
          new McpError(err.rpcCode, err.message, { code: err.code, ...err.data }),
        );
      throw err;
    }

    const upstreamStarted = performance.now();
    let result: CallToolResult | undefined;
    let error: unknown;
    try {
      result = await upstream.callTool(
        // A hook may have replaced the arguments (a guardrail redacting them).
        { name: tool, arguments: call.arguments },
        {
          signal,
          ...(ctx.progress ? { onprogress: ctx.progress, resetTimeoutOnProgress: true } : {}),
        },
      );
    } catch (err) {
      error = err;
    }
    const durationMs = performance.now() - upstreamStarted;
    record.attempts.push({
      provider: `mcp:${server}`,
      model: tool,
      status: error ? 502 : 200,
      latencyMs: durationMs,
    });
    for (const hook of deps.hooks) {
      if (!hook.after) continue;
      const replaced = await hook.after(call, error ? { error, durationMs } : { result, durationMs });
      if (replaced) {
        result = replaced;
        error = undefined;
      }
    }
    if (error || !result) throw error ?? new UpstreamError(`The MCP server "${server}" gave no result.`);
    record.resultBytes = bytes(result);
    if (result.isError) record.errorCode = 'GH_TOOL_ERROR';
    logBodies(record, bodies, call.arguments, result);
    return result;
  } catch (err) {
    const failure = asRefusal(err, signal);
    record.status = failure.status;
    record.errorCode = failure.code;
    if (failure.code === 'GH_CLIENT_CLOSED') record.clientAborted = true;
    logBodies(record, bodies, sentArgs, undefined);
    throw failure.rpc;
  } finally {
    record.durationMs = performance.now() - started;
    deps.lifecycle.requestEnded(record);
  }
}

function unavailable(err: unknown): Refused {
  const message = err instanceof Error ? err.message : String(err);
  const timeout = /did not answer within|timed out/i.test(message);
  return new Refused(
    timeout ? 504 : 502,
    timeout ? 'GH_UPSTREAM_TIMEOUT' : 'GH_UPSTREAM_UNAVAILABLE',
    new McpError(rpcCodes.unavailable, message),
  );
}

function asRefusal(err: unknown, signal: AbortSignal): Refused {
  if (err instanceof Refused) return err;
  if (signal.aborted) {
    const reason = signal.reason as { code?: unknown; message?: unknown } | undefined;
    const shutdown = reason?.code === 'GH_SHUTTING_DOWN';
    return new Refused(
      shutdown ? 503 : 499,
      shutdown ? 'GH_SHUTTING_DOWN' : 'GH_CLIENT_CLOSED',
      new McpError(
        ErrorCode.RequestTimeout,
        shutdown ? String(reason?.message ?? 'The gateway is shutting down.') : 'The call was cancelled.',
      ),
    );
  }
  if (err instanceof ToolRefusal)
    return new Refused(
      403,
      err.code,
      new McpError(err.rpcCode, err.message, { code: err.code, ...err.data }),
    );
  if (err instanceof UpstreamError) return unavailable(err);
  // A JSON-RPC error the server answered with reaches the caller as the server said it.
  if (err instanceof McpError) return new Refused(502, 'GH_UPSTREAM_ERROR', err);
  return new Refused(
    500,
    'GH_INTERNAL',
    new McpError(ErrorCode.InternalError, 'The gateway failed to call the tool.'),
  );
}

/** Bodies as the logging mode allows: nothing, the shape only, or the redacted text. */
function logBodies(
  record: RequestRecord,
  mode: 'off' | 'metadata' | 'full',
  args: Record<string, unknown>,
  result: CallToolResult | undefined,
): void {
  if (mode === 'off') return;
  if (mode === 'full') {
    record.requestBody = JSON.stringify({ arguments: redactJson(args) });
    if (result) record.responseBody = JSON.stringify(redactJson(result));
    return;
  }
  record.requestBody = JSON.stringify({ arguments: Object.keys(args) });
  if (result)
    record.responseBody = JSON.stringify({
      content: result.content.map((c) => ({ type: c.type })),
      ...(result.isError ? { isError: true } : {}),
    });
}
