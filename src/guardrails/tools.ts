// Guardrails for what agents pass through the MCP gateway: the arguments a client sends to a tool
// and the results the tool answers. The same guardrails as model calls — the org-wide defaults and
// the caller's key, team and user — with the phase `tool_args` or `tool_results` (a guardrail `on`
// output or input covers them too). The MCP gateway calls the checker from its hooks:
//
//   const check = toolContentChecker(config, gateway.calls);
//   const outcome = await check({ phase: 'tool_results', text, principal, server, tool, record });
//   if (outcome.action === 'block') throw outcome.error;   // the caller gets guardrail_blocked
//   text = outcome.text;                                      // redacted when action is 'redacted'

import type { GatehouseConfig } from '../config/schema.ts';
import { asGatehouseError, type GatehouseError } from '../core/errors/index.ts';
import type { GuardrailVerdict, RequestRecord } from '../core/records/index.ts';
import type { Principal } from '../governance/index.ts';
import type { InternalCalls } from '../pipeline/index.ts';
import { GuardrailPolicy } from './policy.ts';
import { judgeText, scanText } from './scan.ts';
import { Verdicts } from './verdicts.ts';

export interface ToolCheck {
  phase: 'tool_args' | 'tool_results';
  /** The arguments' JSON text, or the result's text. */
  text: string;
  principal?: Principal | undefined;
  /** The MCP server and tool, for the caller's error message. */
  server: string;
  tool: string;
  /** The request's record, when there is one: the verdicts are added to it (request log, metrics, traces). */
  record?: RequestRecord;
  signal?: AbortSignal;
}

export interface ToolCheckResult {
  /** pass: unchanged; redacted: `text` is what may go on; block: `error` is the refusal to answer. */
  action: 'pass' | 'redacted' | 'block';
  text: string;
  verdicts: GuardrailVerdict[];
  error?: GatehouseError;
}

export type ToolContentCheck = (check: ToolCheck) => Promise<ToolCheckResult>;

/** A checker over the configured guardrails (built once; none configured: everything passes at once). */
export function toolContentChecker(
  config: GatehouseConfig,
  calls: InternalCalls,
  policy = new GuardrailPolicy(config, { calls }),
): ToolContentCheck {
  return async function checkToolContent(check) {
    const side = check.phase === 'tool_args' ? 'answer' : 'request';
    const checks = policy.checksFor('', check.principal, side).filter((c) => c.phases.has(check.phase));
    if (checks.length === 0) return { action: 'pass', text: check.text, verdicts: [] };
    const record: RequestRecord = check.record ?? {
      requestId: 'tool-check',
      eventId: 'tool-check',
      surface: 'internal',
      route: `mcp:${check.server}/${check.tool}`,
      receivedAt: Date.now(),
      attempts: [],
      status: 200,
    };
    const before = record.guardrails?.length ?? 0;
    const verdicts = new Verdicts(record, performance.now());
    const own = () => (record.guardrails ?? []).slice(before);
    try {
      const text = scanText(checks, check.phase, check.text, verdicts);
      await judgeText(checks, check.phase, text, verdicts, {
        principal: check.principal,
        ...(check.signal ? { signal: check.signal } : {}),
      });
      return { action: text === check.text ? 'pass' : 'redacted', text, verdicts: own() };
    } catch (err) {
      const error = asGatehouseError(err);
      return { action: 'block', text: check.text, verdicts: own(), error };
    }
  };
}
