// The scenarios, each measured straight at the upstream and then through one gateway, minutes
// apart on the same machine, so that every figure can be read against its own baseline.
import { setTimeout as sleep } from 'node:timers/promises';
import { type GatewayOptions, type GatewayUnderTest, startGatewayUnderTest } from './gateway.ts';
import type { LoadJob, LoadResult } from './load.ts';
import type { BenchOptions } from './options.ts';
import type { ProbeCommand } from './probe-client.ts';
import { cpuSeconds, memoryMb, RssWatch } from './proc.ts';
import { type Pinning, runLoad, startBareProxy } from './processes.ts';
import { needsCache, type Scenario, scenarioRequest, scenarios } from './scenarios.ts';
import { describeLoad } from './format.ts';
import { combineLoads, median, roundOrder } from './rounds.ts';

export interface Side {
  throughput: LoadResult;
  /** Sequential requests (c=1) timing the first body chunk; streams only. */
  firstByte?: LoadResult;
}

export interface ScenarioResult {
  scenario: Scenario;
  direct: Side;
  /** Through bench/bare-proxy.ts on the gateway's CPU: forwarding alone, the floor for any Node.js proxy. */
  bare: Side;
  /** The bare proxy's CPU time per answered request, µs. */
  bareCpuUsPerRequest: number;
  /** What the bare proxy's V8 heap allocated per answered request, KB. */
  bareAllocKbPerRequest: number;
  gateway: Side;
  /** Gateway CPU time (user + system, all threads) per answered request in the throughput run, µs. */
  cpuUsPerRequest: number;
  /**
   * What the gateway's V8 heap allocated per answered request in the same window, KB. Unlike CPU
   * time it hardly depends on the host, so it tracks the hot path's cost from run to run.
   */
  allocKbPerRequest: number;
  /** Highest gateway RSS seen during the throughput run, MB. */
  rssPeakMb: number;
}

export interface SuiteResult {
  /** Gateway RSS after start and set-up, before any load, MB. */
  idleRssMb: number;
  /** The gateway's VmHWM at the end of all scenarios, MB. */
  peakRssMb: number;
  scenarios: ScenarioResult[];
}

export interface Context {
  options: BenchOptions;
  /** The gateway's CLI: compiled, or the TypeScript sources with --source. */
  cli: string;
  pinning: Pinning;
  upstreamUrl: string;
  profileDir?: string;
}

export function loadJob(
  request: { url: string; headers: Record<string, string>; body: string },
  options: BenchOptions,
  mode: LoadJob['mode'],
  connections: number,
): LoadJob {
  return {
    mode,
    ...request,
    connections: mode === 'first-byte' ? 1 : connections,
    warmupSeconds: options.warmup,
    seconds: options.duration,
    requests: options.firstByteRequests,
  };
}

/** Starts the gateway under test with the run's store, pinning, profiling and memory cap. */
export function startGateway(
  context: Context,
  label: string,
  extra: Pick<GatewayOptions, 'maxInFlight' | 'maxEventLoopLagMs'> = {},
): Promise<GatewayUnderTest> {
  return startGatewayUnderTest({
    ...extra,
    cli: context.cli,
    upstreamUrl: context.upstreamUrl,
    store: context.options.store,
    cpu: context.pinning.gatewayCpu,
    label,
    maxRssMb: context.options.maxRssMb,
    nodeFlags: context.options.gatewayNodeFlags,
    ...(context.profileDir ? { profileDir: context.profileDir } : {}),
    ...(needsCache(context.options.only) ? { cache: true } : {}),
  });
}

/** What a side's load goes to: the upstream itself, the bare proxy, or the gateway with its key. */
export interface Via {
  name: string;
  url: string;
  key?: string;
  /** The process whose CPU and RSS are measured. */
  pid?: number;
  /** Its probe (bench/probe.js), which counts what its heap allocates. */
  ask?: (command: ProbeCommand) => Promise<number>;
  memoryGuard?: AbortSignal;
}

export interface Measured {
  side: Side;
  cpuUsPerRequest: number;
  allocKbPerRequest: number;
  rssPeakMb: number;
}

/** A side's rounds as one: the medians of its figures, the highest RSS. */
export function combine(rounds: Measured[]): Measured {
  const firstBytes = rounds.flatMap((r) => r.side.firstByte ?? []);
  return {
    side: {
      throughput: combineLoads(rounds.map((r) => r.side.throughput)),
      ...(firstBytes.length > 0 ? { firstByte: combineLoads(firstBytes) } : {}),
    },
    cpuUsPerRequest: median(rounds.map((r) => r.cpuUsPerRequest)),
    allocKbPerRequest: median(rounds.map((r) => r.allocKbPerRequest)),
    rssPeakMb: Math.max(...rounds.map((r) => r.rssPeakMb)),
  };
}

/** One side of a scenario, with the CPU per request and peak RSS of the process it goes through. */
export async function measure(context: Context, scenario: Scenario, via: Via): Promise<Measured> {
  const request = scenarioRequest(scenario, via.url, via.key);
  const watch = new RssWatch();
  let cpuAtStart = 0;
  const pid = via.pid;
  const throughput = await runLoad(
    loadJob(request, context.options, 'throughput', scenario.connections),
    context.pinning.loadCpu,
    () => {
      if (pid === undefined) return;
      cpuAtStart = cpuSeconds(pid);
      watch.start(pid);
      void via.ask?.('alloc-start');
    },
    via.memoryGuard,
  );
  let cpuUsPerRequest = Number.NaN;
  let allocKbPerRequest = Number.NaN;
  let rssPeakMb = Number.NaN;
  if (pid !== undefined) {
    rssPeakMb = watch.stop();
    // The request log is written in batches after the answers: let the last one land in the window.
    await sleep(300);
    cpuUsPerRequest = ((cpuSeconds(pid) - cpuAtStart) * 1e6) / throughput.completed;
    if (via.ask) allocKbPerRequest = (await via.ask('alloc-stop')) / 1024 / throughput.completed;
  }
  const firstByte = scenario.firstByte
    ? await runLoad(
        loadJob(request, context.options, 'first-byte', 1),
        context.pinning.loadCpu,
        undefined,
        via.memoryGuard,
      )
    : undefined;
  const side = { throughput, ...(firstByte ? { firstByte } : {}) };
  console.log(
    `  ${via.name.padEnd(10)} ${describeLoad(side, cpuUsPerRequest, allocKbPerRequest, rssPeakMb)}`,
  );
  return { side, cpuUsPerRequest, allocKbPerRequest, rssPeakMb };
}

export async function runSuite(context: Context): Promise<SuiteResult> {
  const bare = await startBareProxy(context.upstreamUrl, context.pinning.gatewayCpu);
  const gateway = await startGateway(context, 'gateway');
  try {
    await sleep(1000);
    const idleRssMb = memoryMb(gateway.pid).rss;
    console.log(`Gateway ${gateway.url} (pid ${gateway.pid}), idle RSS ${idleRssMb.toFixed(1)} MB`);
    const results: ScenarioResult[] = [];
    const chosen = context.options.only;
    // The cache scenarios run when named: the other scenarios' gateway has no cache block.
    for (const scenario of scenarios.filter((s) => (chosen ? chosen.includes(s.id) : !s.cache))) {
      console.log(scenario.title);
      const sides: Via[] = [
        { name: 'direct', url: context.upstreamUrl },
        { name: 'bare proxy', ...bare },
        { name: 'Gatehouse', ...gateway },
      ];
      const measured = new Map<Via, Measured[]>(sides.map((via) => [via, []]));
      const rounds = context.options.rounds;
      for (let round = 0; round < rounds; round++) {
        if (rounds > 1) console.log(`  round ${round + 1} of ${rounds}`);
        for (const via of roundOrder(sides, round))
          measured.get(via)!.push(await measure(context, scenario, via));
      }
      const [direct, floor, through] = sides.map((via) => combine(measured.get(via)!));
      results.push({
        scenario,
        direct: direct!.side,
        bare: floor!.side,
        bareCpuUsPerRequest: floor!.cpuUsPerRequest,
        bareAllocKbPerRequest: floor!.allocKbPerRequest,
        gateway: through!.side,
        cpuUsPerRequest: through!.cpuUsPerRequest,
        allocKbPerRequest: through!.allocKbPerRequest,
        rssPeakMb: through!.rssPeakMb,
      });
    }
    return { idleRssMb, peakRssMb: memoryMb(gateway.pid).peak, scenarios: results };
  } finally {
    await gateway.stop();
    await bare.stop();
  }
}
