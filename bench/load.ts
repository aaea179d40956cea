// The load generator, run as its own process (pinned beside the upstream, away from the gateway).
// Throughput and latency come from autocannon's programmatic API; time to first byte, which
// autocannon does not report, from a sequential node:http client (c=1). Takes one job as JSON in
// argv[2], prints {"event":"measuring"} when the measured part starts (after the warm-up) and then
// {"event":"result",…} as one line each.
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';
import { type Percentiles, Samples } from './samples.ts';
import { uniquePlaceholder } from './scenarios.ts';

export interface LoadJob {
  mode: 'throughput' | 'first-byte';
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  warmupSeconds: number;
  /** throughput: how long to measure. */
  seconds: number;
  /** first-byte: how many sequential requests to measure. */
  requests: number;
  /** throughput: an open-loop rate over all connections instead of as fast as answers come. */
  overallRate?: number;
  /**
   * Each request's body gets a number of its own in place of `uniquePlaceholder` (cache misses), or
   * with `letters` the number written in letters (a semantic cache's veto would refuse numbers).
   */
  unique?: boolean | 'letters';
}

export interface LoadResult {
  seconds: number;
  /** Answers of any status. */
  completed: number;
  /** 2xx answers per second. */
  rps: number;
  /** Whole-answer latency of 2xx answers, ms. */
  latency: Percentiles;
  /** Latency by status code. */
  statuses: Record<string, Percentiles>;
  non2xx: number;
  /** Socket errors and timeouts. */
  errors: number;
  /** first-byte: time to the first body chunk of 2xx answers, ms. */
  firstByte?: Percentiles;
}

/** Numbers each request's body, from a random start so that runs against one store do not meet. */
function numbered(body: string, letters: boolean) {
  let n = Math.floor(Math.random() * 1e12);
  const [before, after] = body.split(uniquePlaceholder) as [string, string];
  const write = (k: number) =>
    letters ? [...k.toString(26)].map((d) => 'abcdefghijklmnopqrstuvwxyz'[parseInt(d, 26)]).join('') : `${k}`;
  return (req: Record<string, unknown>) => ({ ...req, body: `${before}${write(n++)}${after}` });
}

function announce(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function throughput(job: LoadJob): Promise<LoadResult> {
  const statuses = new Map<number, Samples>();
  const instance = autocannon({
    url: job.url,
    method: 'POST',
    headers: job.headers,
    body: job.body,
    connections: job.connections,
    duration: job.seconds,
    ...(job.overallRate ? { overallRate: job.overallRate } : {}),
    ...(job.unique ? { requests: [{ setupRequest: numbered(job.body, job.unique === 'letters') }] } : {}),
    ...(job.warmupSeconds > 0
      ? { warmup: { connections: job.connections, duration: job.warmupSeconds } }
      : {}),
  });
  // Fired by the measured run only; the warm-up has its own emitter.
  instance.on('start', () => announce({ event: 'measuring' }));
  instance.on('response', (_client, status, _bytes, ms) => {
    let samples = statuses.get(status);
    if (!samples) {
      samples = new Samples();
      statuses.set(status, samples);
    }
    samples.add(ms);
  });
  const result = await instance;
  const byStatus = Object.fromEntries([...statuses].map(([status, s]) => [String(status), s.summary()]));
  const ok = Object.entries(byStatus).filter(([status]) => status.startsWith('2'));
  const okCount = ok.reduce((sum, [, p]) => sum + p.count, 0);
  return {
    seconds: result.duration,
    completed: Object.values(byStatus).reduce((sum, p) => sum + p.count, 0),
    rps: okCount / result.duration,
    // Every scenario answers 200 when it works; the overload run reads `statuses`.
    latency: byStatus['200'] ?? { count: 0, p50: Number.NaN, p99: Number.NaN },
    statuses: byStatus,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

async function firstByte(job: LoadJob): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const body = Buffer.from(job.body);
  const headers = { ...job.headers, 'content-length': String(body.length) };
  const once = () =>
    new Promise<{ status: number; firstByte: number; total: number }>((resolve, reject) => {
      const started = performance.now();
      let first = -1;
      const req = request(job.url, { method: 'POST', agent, headers }, (res) => {
        res.on('data', () => {
          if (first < 0) first = performance.now() - started;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, firstByte: first, total: performance.now() - started }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });

  const warmUntil = performance.now() + job.warmupSeconds * 1000;
  while (performance.now() < warmUntil) await once().catch(() => undefined);
  announce({ event: 'measuring' });
  const first = new Samples();
  const total = new Samples();
  let non2xx = 0;
  let errors = 0;
  const started = performance.now();
  for (let i = 0; i < job.requests; i++) {
    try {
      const answer = await once();
      if (answer.status < 200 || answer.status > 299) non2xx++;
      else {
        first.add(answer.firstByte);
        total.add(answer.total);
      }
    } catch {
      errors++;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  const latency = total.summary();
  return {
    seconds,
    completed: latency.count + non2xx,
    rps: latency.count / seconds,
    latency,
    statuses: { '200': latency },
    non2xx,
    errors,
    firstByte: first.summary(),
  };
}

const job = JSON.parse(process.argv[2] ?? '{}') as LoadJob;
const result = job.mode === 'first-byte' ? await firstByte(job) : await throughput(job);
process.stdout.write(`${JSON.stringify({ event: 'result', ...result })}\n`, () => process.exit(0));
