// Soak: the c=64 chat scenario for a long stretch, the gateway's RSS sampled every 5 s. Memory that
// still climbs over the second half of the run, after caches and pools have filled, is a leak.
import type { LoadResult } from './load.ts';
import { memoryMb } from './proc.ts';
import { runLoad } from './processes.ts';
import { scenarioRequest, scenarios } from './scenarios.ts';
import { type Context, loadJob, startGateway } from './suite.ts';

export interface SoakResult {
  seconds: number;
  rps: number;
  non2xx: number;
  errors: number;
  /** Why the soak ended before its time, when it did. */
  stoppedEarly?: string;
  rss: { startMb: number; endMb: number; maxMb: number; slopeMbPerMinute: number };
  /**
   * The V8 heap in use, from the gateway's /metrics: its lowest sample of each minute (live data
   * after a collection, not garbage waiting for one), first and last minute, and the slope of those
   * minima over the last half. Flat here while RSS creeps means the allocator, not a leak.
   */
  heap: { firstMinuteMb: number; lastMinuteMb: number; slopeMbPerMinute: number };
  /** RSS (and heap in use, when /metrics answered) every 5 s from the start of the measured run. */
  samples: Array<{ seconds: number; mb: number; heapMb?: number }>;
}

/** Least-squares slope of the samples in the last half of the run, MB per minute. */
export function lateSlope(samples: SoakResult['samples'], seconds: number): number {
  const late = samples.filter((s) => s.seconds >= seconds / 2);
  if (late.length < 2) return Number.NaN;
  const meanT = late.reduce((sum, s) => sum + s.seconds, 0) / late.length;
  const meanMb = late.reduce((sum, s) => sum + s.mb, 0) / late.length;
  const covariance = late.reduce((sum, s) => sum + (s.seconds - meanT) * (s.mb - meanMb), 0);
  const variance = late.reduce((sum, s) => sum + (s.seconds - meanT) ** 2, 0);
  return (covariance / variance) * 60;
}

const heapMetric = /^gatehouse_process_nodejs_heap_size_used_bytes (\S+)/m;

async function heapUsedMb(url: string): Promise<number> {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    return Number(heapMetric.exec(text)?.[1]) / 1024 / 1024;
  } catch {
    return Number.NaN;
  }
}

/** Each minute's lowest heap sample: what stays live across collections. */
export function heapTrend(samples: SoakResult['samples'], seconds: number): SoakResult['heap'] {
  const minima = new Map<number, number>();
  for (const s of samples) {
    if (s.heapMb === undefined) continue;
    const minute = Math.floor(s.seconds / 60);
    minima.set(minute, Math.min(minima.get(minute) ?? Number.POSITIVE_INFINITY, s.heapMb));
  }
  const points = [...minima].map(([minute, mb]) => ({ seconds: minute * 60 + 30, mb }));
  return {
    firstMinuteMb: points[0]?.mb ?? Number.NaN,
    lastMinuteMb: points.at(-1)?.mb ?? Number.NaN,
    slopeMbPerMinute: lateSlope(points, seconds),
  };
}

export async function runSoak(context: Context, seconds: number): Promise<SoakResult> {
  const gateway = await startGateway(context, 'soak');
  const samples: SoakResult['samples'] = [];
  let startedAt = 0;
  const sample = async () => {
    if (gateway.memoryGuard.aborted) return;
    const at = { seconds: (performance.now() - startedAt) / 1000, mb: memoryMb(gateway.pid).rss };
    const heapMb = await heapUsedMb(gateway.url);
    samples.push(Number.isFinite(heapMb) ? { ...at, heapMb } : at);
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    const chat = scenarios.find((s) => s.id === 'chat-c64')!;
    let result: LoadResult | undefined;
    try {
      result = await runLoad(
        {
          ...loadJob(scenarioRequest(chat, gateway.url, gateway.key), context.options, 'throughput', 64),
          seconds,
        },
        context.pinning.loadCpu,
        () => {
          startedAt = performance.now();
          void sample();
          timer = setInterval(async () => {
            await sample();
            const last = samples.at(-1);
            if (last)
              console.log(
                `  ${last.seconds.toFixed(0)} s  RSS ${last.mb.toFixed(1)} MB  heap in use ${last.heapMb?.toFixed(1) ?? '?'} MB`,
              );
          }, 5000);
        },
        gateway.memoryGuard,
      );
    } catch (err) {
      // Past the memory cap the soak has found what it looks for: report the samples so far.
      if (!gateway.memoryGuard.aborted) throw err;
    }
    clearInterval(timer);
    await sample();
    const mbs = samples.map((s) => s.mb);
    const ran = result?.seconds ?? samples.at(-1)?.seconds ?? 0;
    return {
      seconds: ran,
      rps: result?.rps ?? Number.NaN,
      non2xx: result?.non2xx ?? Number.NaN,
      errors: result?.errors ?? Number.NaN,
      ...(result ? {} : { stoppedEarly: (gateway.memoryGuard.reason as Error).message }),
      rss: {
        startMb: mbs[0] ?? Number.NaN,
        endMb: mbs.at(-1) ?? Number.NaN,
        maxMb: Math.max(...mbs),
        slopeMbPerMinute: lateSlope(samples, ran),
      },
      heap: heapTrend(samples, ran),
      samples,
    };
  } finally {
    clearInterval(timer);
    await gateway.stop();
  }
}
