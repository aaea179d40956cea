// Per-tool rate limits as a tool-call hook: each of the caller's key, team and user rules may give
// calls per minute to the tools a glob matches; each tool matched gets its own counter per owner,
// counted on the governance layer's counters (shared across replicas through Redis).
import type { Governor } from '../governance/index.ts';
import { glob, qualify } from './policy.ts';
import { type ToolCall, type ToolCallHook, ToolRefusal } from './hooks.ts';

export function toolRateLimits(governor: Pick<Governor, 'countCalls'>): ToolCallHook {
  return {
    async before(call: ToolCall) {
      const qualified = qualify(call.server, call.tool);
      const counters: Array<{ key: string; limit: number; what: string }> = [];
      for (const rule of call.principal.toolRules ?? []) {
        let limit: number | undefined;
        for (const [pattern, rpm] of Object.entries(rule.limits ?? {}))
          if (glob(pattern).test(qualified)) limit = Math.min(limit ?? rpm, rpm);
        if (limit !== undefined)
          counters.push({
            key: `rl:${rule.scope}:${rule.id}:tool:${qualified}:rpm`,
            limit,
            what: `the ${rule.scope} "${rule.name}"`,
          });
      }
      const refused = await countAll(governor, counters);
      if (refused) {
        const { counter, resetMs } = refused;
        throw new ToolRefusal(
          'rate_limited',
          `Rate limit of ${counter.limit} calls per minute of the tool "${qualified}" for ${counter.what} reached; retry in ${Math.max(1, Math.ceil(resetMs / 1000))} s.`,
          { data: { retry_after_s: Math.max(1, Math.ceil(resetMs / 1000)) } },
        );
      }
    },
  };
}

async function countAll<T extends { key: string; limit: number }>(
  governor: Pick<Governor, 'countCalls'>,
  counters: T[],
): Promise<{ counter: T; resetMs: number } | undefined> {
  const refused = await governor.countCalls(counters);
  return refused && { counter: counters[refused.index]!, resetMs: refused.resetMs };
}
