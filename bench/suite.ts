// The scenarios, each measured straight at the upstream and then through one gateway, minutes
// apart on the same machine, so that every figure can be read against its own baseline.
import { setTimeout as sleep } from 'node:timers/promises';
import { type GatewayUnderTest, startGatewayUnderTest } from './gateway.ts';
import type { LoadJob, LoadResult } from './load.ts';
import type { BenchOptions } from './options.ts';
import { cpuSeconds, memoryMb, RssWatch } from './proc.ts';
import { type Pinning, runLoad } from './processes.ts';
import { type Scenario, scenarioRequest, scenarios } from './scenarios.ts';
import { describeLoad } from './format.ts';

export interface Side {
  throughput: LoadResult;
  /** Sequential requests (c=1) timing the first body chunk; streams only. */
  firstByte?: LoadResult;
}

export interface ScenarioResult {
  scenario: Scenario;
  direct: Side;
  gateway: Side;
  /** Gateway CPU time (user + system, all threads) per answered request in the throughput run, µs. */
  cpuUsPerRequest: number;
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
  maxInFlight?: number,
): Promise<GatewayUnderTest> {
  return startGatewayUnderTest({
    upstreamUrl: context.upstreamUrl,
    store: context.options.store,
    cpu: context.pinning.gatewayCpu,
    label,
    maxRssMb: context.options.maxRssMb,
    ...(maxInFlight ? { maxInFlight } : {}),
    ...(context.profileDir ? { profileDir: context.profileDir } : {}),
  });
}

/** One side of a scenario: the upstream directly, or the gateway with its CPU per request and peak RSS. */
async function measure(
  context: Context,
  scenario: Scenario,
  gateway?: GatewayUnderTest,
): Promise<{ side: Side; cpuUsPerRequest: number; rssPeakMb: number }> {
  const request = gateway
    ? scenarioRequest(scenario, gateway.url, gateway.key)
    : scenarioRequest(scenario, context.upstreamUrl);
  const watch = new RssWatch();
  let cpuAtStart = 0;
  const throughput = await runLoad(
    loadJob(request, context.options, 'throughput', scenario.connections),
    context.pinning.loadCpu,
    () => {
      if (!gateway) return;
      cpuAtStart = cpuSeconds(gateway.pid);
      watch.start(gateway.pid);
    },
    gateway?.memoryGuard,
  );
  let cpuUsPerRequest = Number.NaN;
  let rssPeakMb = Number.NaN;
  if (gateway) {
    rssPeakMb = watch.stop();
    // The request log is written in batches after the answers: let the last one land in the window.
    await sleep(300);
    cpuUsPerRequest = ((cpuSeconds(gateway.pid) - cpuAtStart) * 1e6) / throughput.completed;
  }
  const firstByte = scenario.firstByte
    ? await runLoad(
        loadJob(request, context.options, 'first-byte', 1),
        context.pinning.loadCpu,
        undefined,
        gateway?.memoryGuard,
      )
    : undefined;
  const side = { throughput, ...(firstByte ? { firstByte } : {}) };
  console.log(`  ${gateway ? 'Gatehouse' : 'direct   '}  ${describeLoad(side, cpuUsPerRequest, rssPeakMb)}`);
  return { side, cpuUsPerRequest, rssPeakMb };
}

export async function runSuite(context: Context): Promise<SuiteResult> {
  const gateway = await startGateway(context, 'gateway');
  try {
    await sleep(1000);
    const idleRssMb = memoryMb(gateway.pid).rss;
    console.log(`Gateway ${gateway.url} (pid ${gateway.pid}), idle RSS ${idleRssMb.toFixed(1)} MB`);
    const results: ScenarioResult[] = [];
    for (const scenario of scenarios) {
      console.log(scenario.title);
      const direct = await measure(context, scenario);
      const through = await measure(context, scenario, gateway);
      results.push({
        scenario,
        direct: direct.side,
        gateway: through.side,
        cpuUsPerRequest: through.cpuUsPerRequest,
        rssPeakMb: through.rssPeakMb,
      });
    }
    return { idleRssMb, peakRssMb: memoryMb(gateway.pid).peak, scenarios: results };
  } finally {
    await gateway.stop();
  }
}
