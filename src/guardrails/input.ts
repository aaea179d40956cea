// Guardrails on the request, before the cache and the upstream: every text the caller sent — the
// system prompt and messages (phase `input`) and the tool results among them (`tool_results`) — is
// checked; a block refuses before anything goes out, a redaction replaces the request with one the
// upstream receives encoded from the IR (core/ir/rewrite.ts), never the caller's original body.

import type { ChatRequest, Part, TextPart } from '../core/ir/index.ts';
import { type Frozen, rewriteRequest } from '../core/ir/rewrite.ts';
import type { GuardrailPhase } from '../core/records/index.ts';
import type { Stage } from '../pipeline/index.ts';
import type { Check } from './checks.ts';
import type { GuardrailPolicy } from './policy.ts';
import { judgeText, scanText } from './scan.ts';
import { guardrailsHeader, Verdicts } from './verdicts.ts';

/** `fromCaller`: the user's turns and tool results, not the system prompt or earlier assistant turns. */
type TextFn = (text: string, phase: GuardrailPhase, fromCaller: boolean) => string;

function mapParts<P extends Part>(
  parts: ReadonlyArray<Frozen<P>>,
  fn: TextFn,
  phase: GuardrailPhase,
  fromCaller: boolean,
) {
  let changed = false;
  const out = (parts as ReadonlyArray<Frozen<Part>>).map((part): Frozen<Part> => {
    if (part.type === 'text') {
      const text = fn(part.text, phase, fromCaller);
      if (text === part.text) return part;
      changed = true;
      return { ...part, text };
    }
    if (part.type === 'tool_result') {
      const content =
        typeof part.content === 'string'
          ? fn(part.content, 'tool_results', true)
          : (mapParts(
              part.content as ReadonlyArray<Frozen<TextPart>>,
              fn,
              'tool_results',
              true,
            ) as typeof part.content);
      if (content === part.content) return part;
      changed = true;
      return { ...part, content };
    }
    return part;
  });
  return changed ? (out as unknown as ReadonlyArray<Frozen<P>>) : parts;
}

/** Every text of the request through `fn`, told its phase; the same request when nothing changed. */
export function mapRequestPhases(req: Frozen<ChatRequest>, fn: TextFn): Frozen<ChatRequest> {
  const system = req.system ? mapParts(req.system, fn, 'input', false) : undefined;
  let changed = system !== req.system;
  const messages = req.messages.map((message) => {
    const content = mapParts(message.content, fn, 'input', message.role === 'user');
    if (content === message.content) return message;
    changed = true;
    return { ...message, content };
  });
  if (!changed) return req;
  return rewriteRequest<ChatRequest>(req, system ? { system, messages } : { messages });
}

/** Checks and rewrites a request; throws the refusal of a block. */
export async function guardRequest(
  req: Frozen<ChatRequest>,
  checks: readonly Check[],
  verdicts: Verdicts,
  ctx: Parameters<NonNullable<Check['judge']>>[1],
): Promise<Frozen<ChatRequest>> {
  const texts: Record<'input' | 'tool_results', string[]> = { input: [], tool_results: [] };
  // An injection check reads what callers and tools wrote, not the operator's system prompt (which
  // often speaks of instructions on purpose) nor the model's own earlier turns.
  const everywhere = checks.filter((c) => !c.callerTextOnly);
  const guarded = mapRequestPhases(req, (text, phase, fromCaller) => {
    const out = scanText(fromCaller ? checks : everywhere, phase, text, verdicts);
    (phase === 'tool_results' ? texts.tool_results : texts.input).push(out);
    return out;
  });
  // Whole-text checks judge what the upstream would receive (redactions applied), in one piece.
  await judgeText(checks, 'input', texts.input.join('\n\n'), verdicts, ctx);
  if (texts.tool_results.length > 0)
    await judgeText(checks, 'tool_results', texts.tool_results.join('\n\n'), verdicts, ctx);
  return guarded;
}

export function guardrailInputStage(policy: GuardrailPolicy): Stage {
  return {
    name: 'guardrails-input',
    async run(ex, next) {
      // The gateway's own calls (a judge among them) are never judged again.
      if (ex.operation !== 'chat' || ex.ctx.internal !== undefined) return next();
      const checks = policy.checksFor(ex.request.model, ex.ctx.principal, 'request');
      if (checks.length === 0) return next();
      const verdicts = new Verdicts(ex.ctx.record, ex.ctx.startedAt);
      try {
        ex.request = await guardRequest(ex.request, checks, verdicts, {
          principal: ex.ctx.principal,
          signal: ex.ctx.signal,
        });
      } finally {
        ex.headers[guardrailsHeader] = verdicts.header();
      }
      return next();
    },
  };
}
