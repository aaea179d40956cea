// The run stage: a request naming a run (x-gatehouse-run-id) is recorded as part of it, and, when the
// caller's rules bound runs, counted as one step of the run before the call (refused past a bound,
// or by the loop breaker when the same request comes too many times in a row) and charged its
// settled cost after. Without the header it passes at once.
import { runHeader, runIdOf } from '../runs/index.ts';
import { type Admitter, usageCost } from './admit.ts';
import type { Answer, Exchange, Stage } from './stage.ts';

/** The request as the loop breaker compares it: the IR without the caller's pass-through body. */
function modelRequest(ex: Exchange): unknown {
  const { native: _native, ...request } = ex.request as { native?: unknown };
  return request;
}

export function runStage(
  admitter: Admitter,
  providerType: (name: string | undefined) => string | undefined,
): Stage {
  return {
    name: 'run',
    async run(ex: Exchange, next: () => Promise<Answer>): Promise<Answer> {
      const { ctx } = ex;
      if (ctx.headers[runHeader] === undefined) return next();
      const runId = runIdOf(ctx.headers)!;
      ctx.record.runId = runId;
      const guard = admitter.runs;
      const principal = ctx.principal;
      if (!guard || !principal || !guard.applies(principal) || ex.operation === 'count_tokens') return next();
      await guard.step(principal, runId, 'model', () => modelRequest(ex));
      const charge = () =>
        guard.charge(
          principal,
          runId,
          ctx.record.costUsd ?? usageCost(admitter, ctx, providerType(ctx.record.provider)),
        );
      let answer: Answer | undefined;
      try {
        answer = await next();
        return answer;
      } finally {
        if (answer?.kind === 'stream') answer.stream.onEnd(charge);
        else await charge();
      }
    },
  };
}
