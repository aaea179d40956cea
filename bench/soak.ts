// Soak: the c=64 chat scenario for a long stretch, the gateway's RSS sampled every 5 s. Memory that
// still climbs over the second half of the run, after caches and pools have filled, is a leak.
import type { LoadResult } from './load.ts';
import { memoryMb, v8PagesMbOf } from './proc.ts';
import { runLoad } from './processes.ts';
import { scenarioRequest, scenarios } from './scenarios.ts';
import { type Context, loadJob, startGateway } from './suite.ts';

export interface SoakResult {
  seconds: number;
  rps: number;
  non2xx: number;
  /** Answers by status code. */
  statuses: Record<string, number>;
  errors: number;
  /** Why the soak ended before its time, when it did. */
  stoppedEarly?: string;
  rss: { startMb: number; endMb: number; maxMb: number; slopeMbPerMinute: number };
  /**
   * Where the RSS growth over the last half went, MB/min: the V8 heap as V8 counts it (reserved),
   * V8's 256 KB pages as the kernel sees them (resident, counted as heap or not), the memory of
   * Buffers and ArrayBuffers outside the heap, the rest of the process's own memory (malloc:
   * SQLite's cache, native code, the allocator's free lists), and file-backed pages.
   */
  slopes: {
    v8HeapMbPerMinute: number;
    v8PagesMbPerMinute: number;
    externalMbPerMinute: number;
    otherAnonMbPerMinute: number;
    fileMbPerMinute: number;
  };
  /**
   * The live heap after a full collection, which the gateway reports on SIGUSR2: one minute in, and
   * once the load has ended. The heap in use between collections holds garbage V8
   * has not yet collected, so only this tells a leak of objects from the allocator settling.
   */
  liveHeap: { firstMb: number; lastMb: number; firstAtSeconds: number; lastAtSeconds: number };
  /** Every 5 s from the start of the measured run: RSS and its parts, and the V8 heap from /metrics. */
  samples: SoakSample[];
}

export interface SoakSample {
  seconds: number;
  /** RSS, MB. */
  mb: number;
  anonMb: number;
  fileMb: number;
  /** Resident in V8's 256 KB page mappings, MB (bench/proc.ts v8PagesMb). */
  v8PagesMb: number;
  /** V8 heap in use and reserved, MB, when /metrics answered. */
  heapMb?: number;
  heapTotalMb?: number;
  /** Buffers and ArrayBuffers outside the V8 heap, MB, when /metrics answered. */
  externalMb?: number;
}

/** Least-squares slope of the samples in the last half of the run, MB per minute. */
export function lateSlope(
  samples: SoakSample[],
  seconds: number,
  mb: (sample: SoakSample) => number = (s) => s.mb,
): number {
  const late = samples.filter((s) => s.seconds >= seconds / 2 && Number.isFinite(mb(s)));
  if (late.length < 2) return Number.NaN;
  const meanT = late.reduce((sum, s) => sum + s.seconds, 0) / late.length;
  const meanMb = late.reduce((sum, s) => sum + mb(s), 0) / late.length;
  const covariance = late.reduce((sum, s) => sum + (s.seconds - meanT) * (mb(s) - meanMb), 0);
  const variance = late.reduce((sum, s) => sum + (s.seconds - meanT) ** 2, 0);
  return (covariance / variance) * 60;
}

/** The V8 heap in use and reserved, and Buffers outside it, MB, from the gateway's own /metrics. */
async function heapMb(url: string): Promise<{ heapMb?: number; heapTotalMb?: number; externalMb?: number }> {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    const metric = (name: string) =>
      // gatehouse_nodejs_* since the process metrics lost their doubled prefix (gatehouse_process_nodejs_* before).
      Number(new RegExp(`^gatehouse_(?:process_)?nodejs_${name} (\\S+)`, 'm').exec(text)?.[1]) / 1024 / 1024;
    return {
      heapMb: metric('heap_size_used_bytes'),
      heapTotalMb: metric('heap_size_total_bytes'),
      externalMb: metric('external_memory_bytes'),
    };
  } catch {
    return {};
  }
}

export async function runSoak(context: Context, seconds: number): Promise<SoakResult> {
  // A full collection stops the event loop for a moment, and the lag guard would then shed the
  // requests waiting meanwhile: the soak measures memory, so it waits longer.
  const gateway = await startGateway(context, 'soak', { maxEventLoopLagMs: 30_000 });
  const live: Array<{ seconds: number; mb: number }> = [];
  let firstLiveHeap: NodeJS.Timeout | undefined;
  const measureLiveHeap = async () => {
    const seconds = (performance.now() - startedAt) / 1000;
    const mb = (await gateway.ask('live-heap')) / 1024 / 1024;
    live.push({ seconds, mb });
    console.log(`  ${seconds.toFixed(0)} s  live heap after a full collection ${mb.toFixed(1)} MB`);
  };
  const samples: SoakSample[] = [];
  let startedAt = 0;
  const sample = async () => {
    if (gateway.memoryGuard.aborted) return;
    const { rss, anon, file } = memoryMb(gateway.pid);
    const at = {
      seconds: (performance.now() - startedAt) / 1000,
      mb: rss,
      anonMb: anon,
      fileMb: file,
      v8PagesMb: v8PagesMbOf(gateway.pid),
    };
    samples.push({ ...at, ...(await heapMb(gateway.url)) });
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
          // One minute in, once caches and pools have filled; the other comes after the load.
          firstLiveHeap = setTimeout(() => void measureLiveHeap(), Math.min(60, seconds / 4) * 1000);
          timer = setInterval(async () => {
            await sample();
            const last = samples.at(-1);
            if (last)
              console.log(
                `  ${last.seconds.toFixed(0)} s  RSS ${last.mb.toFixed(1)} MB (file ${last.fileMb.toFixed(1)})  V8 heap in use ${last.heapMb?.toFixed(1) ?? '?'} of ${last.heapTotalMb?.toFixed(1) ?? '?'} MB`,
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
    if (!gateway.memoryGuard.aborted) await measureLiveHeap();
    const mbs = samples.map((s) => s.mb);
    const ran = result?.seconds ?? samples.at(-1)?.seconds ?? 0;
    return {
      seconds: ran,
      rps: result?.rps ?? Number.NaN,
      non2xx: result?.non2xx ?? Number.NaN,
      statuses: Object.fromEntries(
        Object.entries(result?.statuses ?? {}).map(([code, p]) => [code, p.count]),
      ),
      errors: result?.errors ?? Number.NaN,
      ...(result ? {} : { stoppedEarly: (gateway.memoryGuard.reason as Error).message }),
      rss: {
        startMb: mbs[0] ?? Number.NaN,
        endMb: mbs.at(-1) ?? Number.NaN,
        maxMb: Math.max(...mbs),
        slopeMbPerMinute: lateSlope(samples, ran),
      },
      slopes: {
        v8HeapMbPerMinute: lateSlope(samples, ran, (s) => s.heapTotalMb ?? Number.NaN),
        v8PagesMbPerMinute: lateSlope(samples, ran, (s) => s.v8PagesMb),
        externalMbPerMinute: lateSlope(samples, ran, (s) => s.externalMb ?? Number.NaN),
        otherAnonMbPerMinute: lateSlope(
          samples,
          ran,
          (s) => s.anonMb - s.v8PagesMb - (s.externalMb ?? Number.NaN),
        ),
        fileMbPerMinute: lateSlope(samples, ran, (s) => s.fileMb),
      },
      liveHeap: {
        firstMb: live[0]?.mb ?? Number.NaN,
        lastMb: live.at(-1)?.mb ?? Number.NaN,
        firstAtSeconds: live[0]?.seconds ?? Number.NaN,
        lastAtSeconds: live.at(-1)?.seconds ?? Number.NaN,
      },
      samples,
    };
  } finally {
    clearInterval(timer);
    clearTimeout(firstLiveHeap);
    await gateway.stop();
  }
}
