// The results: target verdicts, one Markdown table with every figure, and the files they go to.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorCount, ms, num, signedMs } from './format.ts';
import type { OverloadResult } from './overload.ts';
import type { Machine } from './proc.ts';
import type { SoakResult } from './soak.ts';
import type { ScenarioResult, SuiteResult } from './suite.ts';

export interface RunInfo {
  date: string;
  commit: string;
  /** The working tree had uncommitted changes to tracked files. */
  dirty: boolean;
  machine: Machine;
  pinning: string;
  store: string;
  durationSeconds: number;
  warmupSeconds: number;
  firstByteRequests: number;
  /** Rounds per scenario (--rounds); each figure is the median of its rounds. */
  rounds: number;
  quick: boolean;
  /** What was started: the compiled build or the TypeScript sources. */
  gateway: string;
}

export interface Verdict {
  target: string;
  scenario: string;
  value: number;
  limit: number;
  unit: string;
  met: boolean;
  text: string;
}

function verdict(
  target: string,
  scenario: string,
  value: number,
  bound: { atMost: number } | { atLeast: number },
  unit: string,
): Verdict {
  const limit = 'atMost' in bound ? bound.atMost : bound.atLeast;
  const met = 'atMost' in bound ? value <= limit : value >= limit;
  const margin = Math.abs(limit - value);
  const digits = unit === 'ms' ? 3 : 0;
  const text = !Number.isFinite(value)
    ? '**no figure**'
    : met
      ? `met (${num(margin, digits)} ${unit} to spare)`
      : unit === '%'
        ? `**missed** by ${num(margin, digits)} points`
        : `**missed** by ${num(margin, digits)} ${unit} (${num((margin / limit) * 100)}%)`;
  return { target, scenario, value, limit, unit, met: met && Number.isFinite(value), text };
}

/** The targets from the issue, for the scenarios that ran; a miss is reported, never a failure. */
export function verdicts(suite: SuiteResult): Verdict[] {
  const list: Verdict[] = [];
  const c1 = suite.scenarios.find((s) => s.scenario.id === 'chat-c1');
  const c64 = suite.scenarios.find((s) => s.scenario.id === 'chat-c64');
  if (c64) {
    const rps = c64.gateway.throughput.rps;
    list.push(
      verdict('throughput ≥ 10,000 req/s', 'chat-c64', rps, { atLeast: 10_000 }, 'req/s'),
      verdict(
        'throughput within 10% of the bare proxy',
        'chat-c64',
        (rps / c64.bare.throughput.rps) * 100,
        { atLeast: 90 },
        '%',
      ),
    );
  }
  if (c1) {
    for (const [p, limit] of [
      ['p50', 0.25],
      ['p99', 1],
    ] as const) {
      const added = c1.gateway.throughput.latency[p] - c1.direct.throughput.latency[p];
      list.push(verdict(`added ${p} ≤ ${limit} ms`, 'chat-c1', added, { atMost: limit }, 'ms'));
    }
  }
  for (const r of suite.scenarios.filter((s) => s.scenario.firstByte)) {
    const addedFirstByte = r.gateway.firstByte!.firstByte!.p50 - r.direct.firstByte!.firstByte!.p50;
    list.push(verdict('added TTFB p50 ≤ 0.5 ms', r.scenario.id, addedFirstByte, { atMost: 0.5 }, 'ms'));
  }
  if (c64) {
    list.push(
      verdict('gateway CPU ≤ 80 µs/request', 'chat-c64', c64.cpuUsPerRequest, { atMost: 80 }, 'µs'),
      verdict('RSS peak ≤ 150 MB', 'chat-c64', c64.rssPeakMb, { atMost: 150 }, 'MB'),
    );
  }
  return list;
}

interface Row {
  scenario: string;
  figure: string;
  direct?: string;
  bare?: string;
  gateway: string;
  /** Gatehouse against direct: a ratio or the time it adds. */
  versus?: string;
  /** Gatehouse against the bare proxy. */
  versusBare?: string;
  target?: Verdict | undefined;
}

function scenarioRows(r: ScenarioResult, targets: Verdict[]): Row[] {
  const id = r.scenario.id;
  const scenario = r.scenario.title;
  const target = (name: string) => targets.find((t) => t.scenario === id && t.target.startsWith(name));
  const [d, b, g] = [r.direct.throughput, r.bare.throughput, r.gateway.throughput];
  const latency = (p: 'p50' | 'p99'): Row => ({
    scenario,
    figure: `latency ${p}, ms`,
    direct: ms(d.latency[p]),
    bare: ms(b.latency[p]),
    gateway: ms(g.latency[p]),
    versus: signedMs(g.latency[p] - d.latency[p]),
    versusBare: signedMs(g.latency[p] - b.latency[p]),
    target: target(`added ${p}`),
  });
  const rows: Row[] = [
    {
      scenario,
      figure: 'throughput, req/s',
      direct: num(d.rps),
      bare: num(b.rps),
      gateway: num(g.rps),
      versus: `${num(g.rps / d.rps, 2)}×`,
      versusBare: `${num(g.rps / b.rps, 2)}×`,
      target: target('throughput ≥'),
    },
  ];
  const share = target('throughput within');
  if (share) {
    rows.push({
      scenario,
      figure: 'throughput, share of the bare proxy',
      gateway: `${num(share.value)}%`,
      target: share,
    });
  }
  rows.push(latency('p50'), latency('p99'));
  if (r.direct.firstByte && r.bare.firstByte && r.gateway.firstByte) {
    const [df, bf, gf] = [r.direct.firstByte, r.bare.firstByte, r.gateway.firstByte].map((s) => s.firstByte!);
    for (const p of ['p50', 'p99'] as const) {
      rows.push({
        scenario,
        figure: `first byte ${p} (c=1), ms`,
        direct: ms(df![p]),
        bare: ms(bf![p]),
        gateway: ms(gf![p]),
        versus: signedMs(gf![p] - df![p]),
        versusBare: signedMs(gf![p] - bf![p]),
        target: p === 'p50' ? target('added TTFB') : undefined,
      });
    }
  }
  rows.push(
    {
      scenario,
      figure: 'CPU, µs/request',
      bare: num(r.bareCpuUsPerRequest),
      gateway: num(r.cpuUsPerRequest),
      versusBare: `+${num(r.cpuUsPerRequest - r.bareCpuUsPerRequest)}`,
      target: target('gateway CPU'),
    },
    {
      scenario,
      figure: 'V8 heap allocated, KB/request',
      bare: num(r.bareAllocKbPerRequest, 1),
      gateway: num(r.allocKbPerRequest, 1),
      versusBare: `+${num(r.allocKbPerRequest - r.bareAllocKbPerRequest, 1)}`,
    },
    { scenario, figure: 'gateway RSS peak, MB', gateway: num(r.rssPeakMb, 1), target: target('RSS peak') },
    {
      scenario,
      figure: 'errors (non-2xx + socket)',
      direct: num(errorCount(r.direct)),
      bare: num(errorCount(r.bare)),
      gateway: num(errorCount(r.gateway)),
    },
  );
  return rows;
}

function overloadRows(o: OverloadResult): Row[] {
  const scenario = `overload ×5, c=${o.connections}, max_in_flight ${o.maxInFlight}`;
  const other = Object.entries(o.otherStatuses).map(([status, count]) => `${status}: ${num(count)}`);
  const health = Number.isFinite(o.health.afterMs)
    ? `after ${ms(o.health.afterMs)} ms`
    : '**not within 10 s**';
  return [
    {
      scenario,
      figure: 'offered / answered, req/s',
      gateway: `${num(o.offeredRps)} / ${num(o.answeredRps)}`,
      versus: `sustainable ${num(o.sustainableRps)}`,
    },
    {
      scenario,
      figure: 'answered 503 (shed)',
      gateway: Number.isFinite(o.shedShare) ? `${num(o.shedShare * 100, 1)}%` : 'n/a',
      versus: `${num(o.shed.count)} of ${num(o.answered)}`,
    },
    { scenario, figure: '503 latency p50 / p99, ms', gateway: `${ms(o.shed.p50)} / ${ms(o.shed.p99)}` },
    { scenario, figure: '200 latency p50 / p99, ms', gateway: `${ms(o.ok.p50)} / ${ms(o.ok.p99)}` },
    {
      scenario,
      figure: 'other statuses, socket errors',
      gateway: `${other.join(', ') || 'none'}; ${num(o.errors)}`,
    },
    {
      scenario,
      figure: 'healthz answered during / after',
      gateway: `${o.health.answered} of ${o.health.asked} / ${health}`,
    },
    { scenario, figure: 'gateway RSS peak, MB', gateway: num(o.rssPeakMb, 1) },
  ];
}

function table(rows: Row[]): string {
  const lines = [
    '| scenario | figure | direct | bare proxy | Gatehouse | vs direct | vs bare proxy | target | verdict |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const r of rows) {
    const cells = [r.scenario, r.figure, r.direct, r.bare, r.gateway, r.versus, r.versusBare];
    lines.push(
      `| ${cells.map((c) => c ?? '').join(' | ')} | ${r.target?.target ?? ''} | ${r.target?.text ?? ''} |`,
    );
  }
  return lines.join('\n');
}

export function header(title: string, info: RunInfo): string {
  const m = info.machine;
  return [
    `# ${title}: ${info.date.slice(0, 10)}, commit ${info.commit}${info.dirty ? ' (with uncommitted changes)' : ''}`,
    '',
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}; Node ${m.node}`,
    `- Gateway: ${info.gateway}; pinning: ${info.pinning}`,
    `- Store: ${info.store}`,
    `- Each side: ${info.warmupSeconds} s warm-up, then ${info.durationSeconds} s measured${info.rounds > 1 ? `, in ${info.rounds} rounds with the sides interleaved; each figure is the median of its rounds (RSS: the highest)` : ''}${info.quick ? ' (--quick smoke run: figures are indicative only)' : ''}; first byte: ${info.firstByteRequests} sequential requests`,
    '- Upstream: the mock in bench/upstream.ts (answers serialised at start, stream chunks written at once); bare proxy: bench/bare-proxy.ts, forwarding alone, on the gateway\'s CPU; load: autocannon in its own process; latency is the whole answer of 2xx responses; "+" figures are Gatehouse minus the other side, percentile by percentile',
  ].join('\n');
}

export function suiteMarkdown(
  info: RunInfo,
  suite: SuiteResult,
  targets: Verdict[],
  overload: OverloadResult | undefined,
): string {
  const rows = suite.scenarios.flatMap((r) => scenarioRows(r, targets));
  rows.push(
    { scenario: 'gateway', figure: 'RSS idle (after start), MB', gateway: num(suite.idleRssMb, 1) },
    {
      scenario: 'gateway',
      figure: 'RSS peak over all scenarios (VmHWM), MB',
      gateway: num(suite.peakRssMb, 1),
    },
  );
  if (overload) rows.push(...overloadRows(overload));
  const errors = suite.scenarios.filter((r) => errorCount(r.direct) + errorCount(r.gateway) > 0);
  const warning =
    errors.length > 0
      ? [`**ERRORS in ${errors.map((r) => r.scenario.title).join(', ')}: these figures are not valid.**`, '']
      : [];
  return [
    header('Gatehouse benchmark', info),
    '',
    ...warning,
    table(rows),
    '',
    `Targets met: ${targets.filter((t) => t.met).length} of ${targets.length}.`,
    '',
  ].join('\n');
}

export function soakMarkdown(info: RunInfo, soak: SoakResult): string {
  const slope = soak.rss.slopeMbPerMinute;
  const growth = soak.stoppedEarly
    ? '**growing** (passed --max-rss)'
    : !Number.isFinite(slope)
      ? 'too short to tell'
      : slope > 0.5
        ? '**growing** (over 0.5 MB/min)'
        : 'no growth (≤ 0.5 MB/min)';
  const title = `soak, chat c=64, ${num(soak.seconds)} s`;
  const rows: Row[] = [
    { scenario: title, figure: 'throughput, req/s', gateway: num(soak.rps) },
    {
      scenario: title,
      figure: 'errors (non-2xx + socket)',
      gateway: num(soak.non2xx + soak.errors),
      versus: Object.entries(soak.statuses)
        .filter(([code]) => !code.startsWith('2'))
        .map(([code, count]) => `${num(count)} × ${code}`)
        .join(', '),
    },
    {
      scenario: title,
      figure: 'RSS start / end / max, MB',
      gateway: `${num(soak.rss.startMb, 1)} / ${num(soak.rss.endMb, 1)} / ${num(soak.rss.maxMb, 1)}`,
    },
    {
      scenario: title,
      figure: 'RSS slope over the last half, MB/min',
      gateway: num(soak.rss.slopeMbPerMinute, 2),
      versus: growth,
    },
    {
      scenario: title,
      figure:
        "of that slope: V8 heap as V8 counts it / V8's 256 KB pages, resident / Buffers outside the heap / other own memory (malloc) / file-backed, MB/min",
      gateway: [
        soak.slopes.v8HeapMbPerMinute,
        soak.slopes.v8PagesMbPerMinute,
        soak.slopes.externalMbPerMinute,
        soak.slopes.otherAnonMbPerMinute,
        soak.slopes.fileMbPerMinute,
      ]
        .map((x) => num(x, 2))
        .join(' / '),
    },
    {
      scenario: title,
      figure: `live heap after a full collection, at ${num(soak.liveHeap.firstAtSeconds)} s / ${num(soak.liveHeap.lastAtSeconds)} s, MB`,
      gateway: `${num(soak.liveHeap.firstMb, 1)} / ${num(soak.liveHeap.lastMb, 1)}`,
      versus: !Number.isFinite(soak.liveHeap.lastMb - soak.liveHeap.firstMb)
        ? 'not measured'
        : soak.liveHeap.lastMb - soak.liveHeap.firstMb > Math.max(2, soak.liveHeap.firstMb * 0.1)
          ? '**growing** (over 10%)'
          : 'no growth',
    },
  ];
  const samples = soak.samples
    .map((s) => `${num(s.seconds)} s: ${num(s.mb, 1)} (${num(s.heapTotalMb ?? Number.NaN, 1)})`)
    .join(', ');
  const stopped = soak.stoppedEarly
    ? [`**Stopped after ${num(soak.seconds)} s: ${soak.stoppedEarly}.**`, '']
    : [];
  return [
    header('Gatehouse soak', info),
    '',
    ...stopped,
    table(rows),
    '',
    `RSS samples, with the V8 heap reserved in brackets (MB): ${samples}`,
    '',
  ].join('\n');
}

/** Writes <name>.json and <name>.md in dir, and copies them to <latest>.json and <latest>.md if given. */
export function writeResults(
  resultsDir: string,
  name: string,
  latest: string | undefined,
  json: unknown,
  markdown: string,
): string[] {
  mkdirSync(resultsDir, { recursive: true });
  const paths: string[] = [];
  for (const [ext, text] of [
    ['json', `${JSON.stringify(json, null, 2)}\n`],
    ['md', markdown],
  ] as const) {
    const path = join(resultsDir, `${name}.${ext}`);
    writeFileSync(path, text);
    paths.push(path);
    if (latest === undefined) continue;
    copyFileSync(path, join(resultsDir, `${latest}.${ext}`));
    paths.push(join(resultsDir, `${latest}.${ext}`));
  }
  return paths;
}
