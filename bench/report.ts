// The results: target verdicts, one Markdown table with every figure, and the files they go to.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorCount, ms, num, signedMs } from './format.ts';
import type { OverloadResult } from './overload.ts';
import type { Machine } from './proc.ts';
import type { SoakResult } from './soak.ts';
import type { ScenarioResult, SuiteResult } from './suite.ts';

export const resultsDir = new URL('./results/', import.meta.url).pathname;

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
  quick: boolean;
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
      : `**missed** by ${num(margin, digits)} ${unit} (${num((margin / limit) * 100)}%)`;
  return { target, scenario, value, limit, unit, met: met && Number.isFinite(value), text };
}

function byId(suite: SuiteResult, id: string): ScenarioResult {
  return suite.scenarios.find((s) => s.scenario.id === id)!;
}

/** The targets from the issue; a miss is reported, never a failure. */
export function verdicts(suite: SuiteResult): Verdict[] {
  const c1 = byId(suite, 'chat-c1');
  const c64 = byId(suite, 'chat-c64');
  const added = (r: ScenarioResult, p: 'p50' | 'p99') =>
    r.gateway.throughput.latency[p] - r.direct.throughput.latency[p];
  const list = [
    verdict(
      'throughput ≥ 10,000 req/s',
      'chat-c64',
      c64.gateway.throughput.rps,
      { atLeast: 10_000 },
      'req/s',
    ),
    verdict('added p50 ≤ 0.25 ms', 'chat-c1', added(c1, 'p50'), { atMost: 0.25 }, 'ms'),
    verdict('added p99 ≤ 1 ms', 'chat-c1', added(c1, 'p99'), { atMost: 1 }, 'ms'),
  ];
  for (const r of suite.scenarios.filter((s) => s.scenario.firstByte)) {
    const addedFirstByte = r.gateway.firstByte!.firstByte!.p50 - r.direct.firstByte!.firstByte!.p50;
    list.push(verdict('added TTFB p50 ≤ 0.5 ms', r.scenario.id, addedFirstByte, { atMost: 0.5 }, 'ms'));
  }
  list.push(
    verdict('gateway CPU ≤ 80 µs/request', 'chat-c64', c64.cpuUsPerRequest, { atMost: 80 }, 'µs'),
    verdict('RSS peak ≤ 150 MB', 'chat-c64', c64.rssPeakMb, { atMost: 150 }, 'MB'),
  );
  return list;
}

type Row = [
  scenario: string,
  figure: string,
  direct: string,
  gateway: string,
  versus: string,
  target?: Verdict,
];

function scenarioRows(r: ScenarioResult, targets: Verdict[]): Row[] {
  const id = r.scenario.id;
  const target = (name: string) => targets.find((t) => t.scenario === id && t.target.startsWith(name));
  const d = r.direct.throughput;
  const g = r.gateway.throughput;
  const rows: Row[] = [
    [
      r.scenario.title,
      'throughput, req/s',
      num(d.rps),
      num(g.rps),
      `${num(g.rps / d.rps, 2)}×`,
      target('throughput'),
    ],
    [
      r.scenario.title,
      'latency p50, ms',
      ms(d.latency.p50),
      ms(g.latency.p50),
      signedMs(g.latency.p50 - d.latency.p50),
      target('added p50'),
    ],
    [
      r.scenario.title,
      'latency p99, ms',
      ms(d.latency.p99),
      ms(g.latency.p99),
      signedMs(g.latency.p99 - d.latency.p99),
      target('added p99'),
    ],
  ];
  if (r.direct.firstByte && r.gateway.firstByte) {
    const df = r.direct.firstByte.firstByte!;
    const gf = r.gateway.firstByte.firstByte!;
    rows.push(
      [
        r.scenario.title,
        'first byte p50 (c=1), ms',
        ms(df.p50),
        ms(gf.p50),
        signedMs(gf.p50 - df.p50),
        target('added TTFB'),
      ],
      [r.scenario.title, 'first byte p99 (c=1), ms', ms(df.p99), ms(gf.p99), signedMs(gf.p99 - df.p99)],
    );
  }
  rows.push(
    [r.scenario.title, 'gateway CPU, µs/request', '', num(r.cpuUsPerRequest), '', target('gateway CPU')],
    [r.scenario.title, 'gateway RSS peak, MB', '', num(r.rssPeakMb, 1), '', target('RSS peak')],
    [
      r.scenario.title,
      'errors (non-2xx + socket)',
      num(errorCount(r.direct)),
      num(errorCount(r.gateway)),
      '',
    ],
  );
  return rows;
}

function overloadRows(o: OverloadResult): Row[] {
  const title = `overload ×5, c=${o.connections}, max_in_flight ${o.maxInFlight}`;
  const other = Object.entries(o.otherStatuses).map(([status, count]) => `${status}: ${num(count)}`);
  return [
    [
      title,
      'offered / answered, req/s',
      '',
      `${num(o.offeredRps)} / ${num(o.answeredRps)}`,
      `sustainable ${num(o.sustainableRps)}`,
    ],
    [
      title,
      'answered 503 (shed)',
      '',
      Number.isFinite(o.shedShare) ? `${num(o.shedShare * 100, 1)}%` : 'n/a',
      `${num(o.shed.count)} of ${num(o.answered)}`,
    ],
    [title, '503 latency p50 / p99, ms', '', `${ms(o.shed.p50)} / ${ms(o.shed.p99)}`, ''],
    [title, '200 latency p50 / p99, ms', '', `${ms(o.ok.p50)} / ${ms(o.ok.p99)}`, ''],
    [title, 'other statuses, socket errors', '', `${other.join(', ') || 'none'}; ${num(o.errors)}`, ''],
    [
      title,
      'healthz answered during / after',
      '',
      `${o.health.answered} of ${o.health.asked} / ${Number.isFinite(o.health.afterMs) ? `after ${ms(o.health.afterMs)} ms` : '**not within 10 s**'}`,
      '',
    ],
    [title, 'gateway RSS peak, MB', '', num(o.rssPeakMb, 1), ''],
  ];
}

function table(rows: Row[]): string {
  const lines = [
    '| scenario | figure | direct | Gatehouse | Gatehouse vs direct | target | verdict |',
    '| --- | --- | ---: | ---: | ---: | --- | --- |',
  ];
  for (const [scenario, figure, direct, gateway, versus, target] of rows) {
    lines.push(
      `| ${scenario} | ${figure} | ${direct} | ${gateway} | ${versus} | ${target?.target ?? ''} | ${target?.text ?? ''} |`,
    );
  }
  return lines.join('\n');
}

function header(title: string, info: RunInfo): string {
  const m = info.machine;
  return [
    `# ${title}: ${info.date.slice(0, 10)}, commit ${info.commit}${info.dirty ? ' (with uncommitted changes)' : ''}`,
    '',
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}; Node ${m.node}`,
    `- Pinning: ${info.pinning}`,
    `- Store: ${info.store}`,
    `- Each side: ${info.warmupSeconds} s warm-up, then ${info.durationSeconds} s measured${info.quick ? ' (--quick smoke run: figures are indicative only)' : ''}; first byte: ${info.firstByteRequests} sequential requests`,
    '- Upstream: the mock in bench/upstream.ts (answers serialised at start, stream chunks written at once); load: autocannon in its own process; latency is the whole answer of 2xx responses; "+" figures are Gatehouse minus direct, percentile by percentile',
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
    ['gateway', 'RSS idle (after start), MB', '', num(suite.idleRssMb, 1), ''],
    ['gateway', 'RSS peak over all scenarios (VmHWM), MB', '', num(suite.peakRssMb, 1), ''],
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
    [title, 'throughput, req/s', '', num(soak.rps), ''],
    [title, 'errors (non-2xx + socket)', '', num(soak.non2xx + soak.errors), ''],
    [
      title,
      'RSS start / end / max, MB',
      '',
      `${num(soak.rss.startMb, 1)} / ${num(soak.rss.endMb, 1)} / ${num(soak.rss.maxMb, 1)}`,
      '',
    ],
    [title, 'RSS slope over the last half, MB/min', '', num(soak.rss.slopeMbPerMinute, 2), growth],
  ];
  const samples = soak.samples.map((s) => `${num(s.seconds)} s: ${num(s.mb, 1)}`).join(', ');
  const stopped = soak.stoppedEarly
    ? [`**Stopped after ${num(soak.seconds)} s: ${soak.stoppedEarly}.**`, '']
    : [];
  return [
    header('Gatehouse soak', info),
    '',
    ...stopped,
    table(rows),
    '',
    `RSS samples (MB): ${samples}`,
    '',
  ].join('\n');
}

/** Writes <name>.json and <name>.md, and copies them to <latest>.json and <latest>.md. */
export function writeResults(name: string, latest: string, json: unknown, markdown: string): string[] {
  mkdirSync(resultsDir, { recursive: true });
  const paths: string[] = [];
  for (const [ext, text] of [
    ['json', `${JSON.stringify(json, null, 2)}\n`],
    ['md', markdown],
  ] as const) {
    const path = join(resultsDir, `${name}.${ext}`);
    writeFileSync(path, text);
    copyFileSync(path, join(resultsDir, `${latest}.${ext}`));
    paths.push(path, join(resultsDir, `${latest}.${ext}`));
  }
  return paths;
}
