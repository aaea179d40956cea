// /admin/targets: routing's view of every target this replica knows — its circuit breaker, recent
// latency and calls in flight — as the strategies and failover see it now.
import { z } from 'zod';
import { type HealthCheckResult, healthChecksOf, type TargetState } from '../../routing/index.ts';
import { decodeCursor, encodeCursor, listOf, paging } from '../contract.ts';
import { defineRoute } from '../route.ts';

const targetSchema = z.object({
  provider: z.string(),
  model: z.string().describe("The provider's model id"),
  health: z
    .enum(['healthy', 'recovering', 'unhealthy'])
    .describe('healthy: breaker closed; recovering: half-open, probing; unhealthy: open, skipped'),
  breaker: z.enum(['closed', 'half_open', 'open']),
  breaker_opened_at: z.iso
    .datetime({ offset: true })
    .nullable()
    .describe('When the breaker last opened, if it is not closed'),
  breaker_probe_at: z.iso
    .datetime({ offset: true })
    .nullable()
    .describe('When an open breaker lets its next probe through'),
  latency_ewma_ms: z
    .number()
    .nullable()
    .describe('Average latency (time to first event for streams); null before any success'),
  latency_sampled_at: z.iso.datetime({ offset: true }).nullable(),
  in_flight: z.number().int(),
  served: z.number().int().describe('Successful calls since this replica started'),
  failed: z.number().int().describe('Retryable failures since this replica started'),
  last_check: z
    .object({
      at: z.iso.datetime({ offset: true }),
      ok: z.boolean(),
      latency_ms: z.number().int(),
      error_code: z.string().nullable(),
    })
    .nullable()
    .describe('The last active health check (models with health_check), or null'),
});

const offsetCursor = z.object({ offset: z.number().int().min(0) });

/** performance.now() milliseconds as a wall-clock ISO time. */
const wall = (at: number) => new Date(Date.now() - (performance.now() - at)).toISOString();

function targetView(state: TargetState, check: HealthCheckResult | undefined): z.input<typeof targetSchema> {
  const b = state.breaker;
  return {
    provider: state.provider,
    model: state.model,
    health: b.phase === 'closed' ? 'healthy' : b.phase === 'half_open' ? 'recovering' : 'unhealthy',
    breaker: b.phase,
    breaker_opened_at: b.phase === 'closed' ? null : wall(b.openedAt),
    breaker_probe_at: b.phase === 'open' ? wall(b.openedAt + b.cooldownMs) : null,
    latency_ewma_ms: state.ewmaMs === undefined ? null : Math.round(state.ewmaMs * 10) / 10,
    latency_sampled_at: state.ewmaMs === undefined ? null : wall(state.sampledAt),
    in_flight: state.inFlight,
    served: state.served,
    failed: state.failed,
    last_check: check
      ? {
          at: new Date(check.at).toISOString(),
          ok: check.ok,
          latency_ms: Math.ceil(check.latencyMs),
          error_code: check.errorCode ? check.errorCode.slice(3).toLowerCase() : null,
        }
      : null,
  };
}

export const targetRoutes = [
  defineRoute({
    method: 'GET',
    path: '/admin/targets',
    summary: 'Every target with its health, circuit breaker, average latency and calls in flight',
    query: z.strictObject(paging),
    response: listOf(targetSchema),
    handle: async ({ deps, query }) => {
      const all = [...deps.routing.all()].sort(
        (a, b) => a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model),
      );
      const start = decodeCursor(query.cursor, offsetCursor)?.offset ?? 0;
      const end = start + query.limit;
      return {
        data: all.slice(start, end).map((t) => targetView(t, healthChecksOf(deps.routing).results.get(t))),
        next_cursor: end < all.length ? encodeCursor({ offset: end }) : null,
      };
    },
  }),
];
