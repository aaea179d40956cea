// Guardrails on the answer: a result is checked whole before the caller sees any of it (a block
// withholds it: the caller gets the error in its own shape); a stream is checked as it flows
// (stream.ts), and a block ends it with an error event in the caller's format.
import type { ChatResult } from '../core/ir/index.ts';
import { type Frozen, rewriteResult } from '../core/ir/rewrite.ts';
import type { Stage } from '../pipeline/index.ts';
import type { Check, JudgeContext } from './checks.ts';
import type { GuardrailPolicy } from './policy.ts';
import { judgeText, scanText } from './scan.ts';
import { StreamGuard } from './stream.ts';
import { guardrailsHeader, Verdicts } from './verdicts.ts';

/** The answer's text and tool-call arguments through the checks; the same result when nothing changed. */
export async function guardResult(
  result: Frozen<ChatResult>,
  checks: readonly Check[],
  verdicts: Verdicts,
  ctx: JudgeContext,
): Promise<Frozen<ChatResult>> {
  let changed = false;
  const texts: string[] = [];
  const args: string[] = [];
  const content = result.response.content.map((part) => {
    if (part.type === 'text') {
      const text = scanText(checks, 'output', part.text, verdicts);
      texts.push(text);
      if (text === part.text) return part;
      changed = true;
      return { ...part, text };
    }
    if (part.type === 'tool_call') {
      const text = scanText(checks, 'tool_args', part.arguments, verdicts);
      args.push(text);
      if (text === part.arguments) return part;
      changed = true;
      return { ...part, arguments: text };
    }
    return part;
  });
  await judgeText(checks, 'output', texts.join(''), verdicts, ctx);
  if (args.length > 0) await judgeText(checks, 'tool_args', args.join('\n'), verdicts, ctx);
  return changed ? rewriteResult(result, { ...result.response, content }) : result;
}

export function guardrailOutputStage(policy: GuardrailPolicy): Stage {
  return {
    name: 'guardrails-output',
    async run(ex, next) {
      if (ex.operation !== 'chat' || ex.ctx.internal !== undefined) return next();
      const checks = policy.checksFor(ex.request.model, ex.ctx.principal, 'answer');
      if (checks.length === 0) return next();
      const answer = await next();
      const verdicts = new Verdicts(ex.ctx.record, ex.ctx.startedAt);
      const format = ex.request.responseFormat;
      const ctx: JudgeContext = {
        principal: ex.ctx.principal,
        signal: ex.ctx.signal,
        requestSchema:
          format?.type === 'json_schema' ? (format.schema as Record<string, unknown>) : undefined,
      };
      if (answer.kind === 'result') {
        try {
          return { kind: 'result', result: await guardResult(answer.result, checks, verdicts, ctx) };
        } finally {
          ex.headers[guardrailsHeader] = verdicts.header();
        }
      }
      if (answer.kind !== 'stream') return answer;
      const guard = new StreamGuard(checks, verdicts, ctx);
      if (guard.rewrites) answer.stream.map((chunk) => guard.step(chunk));
      else answer.stream.tap((chunk) => guard.watch(chunk));
      // The header goes out before the stream: what is judged as it flows is still pending.
      ex.headers[guardrailsHeader] = verdicts.header(checks);
      answer.stream.onEnd(async ({ completed }) => {
        if (!completed) return;
        guard.settle();
        const watching = checks.filter((c) => c.detector && (c.shadow || c.action === 'warn'));
        scanText(watching, 'output', guard.text, verdicts);
        if (guard.toolArguments !== '') scanText(watching, 'tool_args', guard.toolArguments, verdicts);
        // External checks see a stream only once it was sent: they flag it, they cannot withhold it.
        const late: JudgeContext = { principal: ctx.principal, requestSchema: ctx.requestSchema };
        await judgeText(checks, 'output', guard.text, verdicts, late, true);
        if (guard.toolArguments !== '')
          await judgeText(checks, 'tool_args', guard.toolArguments, verdicts, late, true);
      });
      return answer;
    },
  };
}
