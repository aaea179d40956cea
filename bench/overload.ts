// Overload: offer five times the sustainable rate to a gateway with server.max_in_flight set. It
// should shed the excess at once with 503 and Retry-After instead of queueing, answer its health
// check throughout, and keep its memory bounded.
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayUnderTest } from './gateway.ts';
import type { LoadResult } from './load.ts';
import { RssWatch } from './proc.ts';
import { runLoad } from './processes.ts';
import type { Percentiles } from './samples.ts';
import { scenarioRequest, scenarios } from './scenarios.ts';
import { type Context, loadJob, startGateway } from './suite.ts';

const connections = 512;
const overloadFactor = 5;

export interface OverloadResult {
  maxInFlight: number;
  connections: number;
  sustainableRps: number;
  offeredRps: number;
  /** Answers of any status, and per second. */
  answered: number;
  answeredRps: number;
  ok: Percentiles;
  shed: Percentiles;
  /** Share of answers that were 503. */
  shedShare: number;
  otherStatuses: Record<string, number>;
  /** Socket errors and timeouts. */
  errors: number;
  /** Health checks every 500 ms during the load; after it, ms until /healthz answered (NaN: not in 10 s). */
  health: { asked: number; answered: number; afterMs: number };
  rssPeakMb: number;
}

/** Milliseconds until /healthz answers 200, asking every 100 ms; NaN when it has not within `withinMs`. */
async function recovery(url: string, withinMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < withinMs) {
    if (await healthy(url)) return performance.now() - started;
    await sleep(100);
  }
  return Number.NaN;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    await res.text();
    return res.ok;
  } catch {
    return false;
  }
}

export async function runOverload(context: Context, sustainableRps: number): Promise<OverloadResult> {
  const gateway = await startGateway(context, 'overload', { maxInFlight: context.options.maxInFlight });
  try {
    return await measureOverload(context, gateway, sustainableRps);
  } finally {
    await gateway.stop();
  }
}

async function measureOverload(
  context: Context,
  gateway: GatewayUnderTest,
  sustainableRps: number,
): Promise<OverloadResult> {
  const { options } = context;
  const chat = scenarios.find((s) => s.id === 'chat-c64')!;
  const request = scenarioRequest(chat, gateway.url, gateway.key);
  // Warmed at the sustainable load: a warm-up at the overload rate would end by dropping hundreds
  // of requests in flight, a disturbance of its own just before the measured run.
  await runLoad(
    {
      ...loadJob(request, options, 'throughput', chat.connections),
      seconds: options.warmup,
      warmupSeconds: 0,
    },
    context.pinning.loadCpu,
    undefined,
    gateway.memoryGuard,
  );
  const health = { asked: 0, answered: 0, afterMs: Number.NaN };
  let loading = true;
  const poller = (async () => {
    while (loading) {
      health.asked++;
      if (await healthy(gateway.url)) health.answered++;
      await sleep(500);
    }
  })();
  const offeredRps = Math.round(sustainableRps * overloadFactor);
  const watch = new RssWatch();
  watch.start(gateway.pid);
  let result: LoadResult;
  try {
    result = await runLoad(
      { ...loadJob(request, options, 'throughput', connections), warmupSeconds: 0, overallRate: offeredRps },
      context.pinning.loadCpu,
      undefined,
      gateway.memoryGuard,
    );
  } finally {
    loading = false;
    await poller;
  }
  const rssPeakMb = watch.stop();
  health.afterMs = await recovery(gateway.url, 10_000);
  const none = { count: 0, p50: Number.NaN, p99: Number.NaN };
  const ok = result.statuses['200'] ?? none;
  const shed = result.statuses['503'] ?? none;
  return {
    maxInFlight: options.maxInFlight,
    connections,
    sustainableRps,
    offeredRps,
    answered: result.completed,
    answeredRps: result.completed / result.seconds,
    ok,
    shed,
    shedShare: result.completed > 0 ? shed.count / result.completed : Number.NaN,
    otherStatuses: Object.fromEntries(
      Object.entries(result.statuses)
        .filter(([status]) => status !== '200' && status !== '503')
        .map(([status, p]) => [status, p.count]),
    ),
    errors: result.errors,
    health,
    rssPeakMb,
  };
}
