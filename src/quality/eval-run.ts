// Runs an eval suite through a gateway (so routing, guardrails and cost apply): every case against
// every model, a bounded number at once, answers cached by case and model so that a re-run asks
// only what changed; then the assertions, and a verdict against an optional baseline report.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { judgePrompt, parseJudgeScore } from './checks.ts';
import type { Assertion, EvalCase, Suite } from './suite.ts';

export interface RunOptions {
  url: string;
  key: string;
  concurrency: number;
  /** A JSON file of cached answers; undefined runs without the cache. */
  cacheFile?: string;
  /** Reads a request's priced event (cost ceilings); undefined when no admin access is given. */
  costOf?: (requestId: string) => Promise<number | null>;
  progress?: (done: number, total: number) => void;
}

export interface AssertionResult {
  type: Assertion['type'];
  passed: boolean;
  detail: string;
}

export interface CaseResult {
  case: string;
  model: string;
  request_id: string | null;
  output: string;
  error: string | null;
  latency_ms: number;
  cost_usd: number | null;
  cached: boolean;
  passed: boolean;
  assertions: AssertionResult[];
}

export interface EvalReport {
  suite: string;
  created_at: string;
  models: string[];
  experiment?: string;
  cases: number;
  passed: number;
  pass_rate: number;
  cost_usd: number | null;
  tolerance: number;
  baseline?: { pass_rate: number; delta: number };
  verdict: 'pass' | 'regression' | 'failed';
  results: CaseResult[];
}

interface Answer {
  text: string;
  latencyMs: number;
  requestId: string | null;
  costUsd: number | null;
}

type Cache = Record<string, Omit<Answer, 'requestId'> & { requestId: string | null }>;

function hash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
}

function messagesOf(c: EvalCase) {
  return typeof c.input === 'string' ? [{ role: 'user', content: c.input }] : c.input;
}

async function ask(
  options: RunOptions,
  model: string,
  messages: unknown[],
  maxTokens: number | undefined,
): Promise<Answer> {
  const requestId = `eval-${randomUUID()}`;
  const started = performance.now();
  const res = await fetch(`${options.url.replace(/\/+$/, '')}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${options.key}`,
      'content-type': 'application/json',
      'x-request-id': requestId,
      'x-gatehouse-tags': 'eval=true',
    },
    body: JSON.stringify({ model, messages, ...(maxTokens ? { max_tokens: maxTokens } : {}) }),
    signal: AbortSignal.timeout(120_000),
  });
  const latencyMs = Math.round(performance.now() - started);
  const body = (await res.json().catch(() => ({}))) as {
    choices?: Array<{ message?: { content?: string | null } }>;
    error?: { message?: string };
  };
  if (!res.ok) throw new Error(`${res.status}: ${body.error?.message ?? 'no message'}`);
  return { text: body.choices?.[0]?.message?.content ?? '', latencyMs, requestId, costUsd: null };
}

export async function runSuite(suite: Suite, options: RunOptions): Promise<EvalReport> {
  const cache: Cache =
    options.cacheFile && existsSync(options.cacheFile)
      ? (JSON.parse(readFileSync(options.cacheFile, 'utf8')) as Cache)
      : {};
  const jobs = suite.models.flatMap((model) => suite.cases.map((c) => ({ model, c })));
  const results: CaseResult[] = new Array(jobs.length);
  let next = 0;
  let done = 0;
  options.progress?.(0, jobs.length);
  const cached = async (
    key: unknown,
    fetchIt: () => Promise<Answer>,
  ): Promise<Answer & { cached: boolean }> => {
    const k = hash(key);
    const hit = options.cacheFile ? cache[k] : undefined;
    if (hit) return { ...hit, cached: true };
    const answer = await fetchIt();
    if (options.cacheFile) cache[k] = answer;
    return { ...answer, cached: false };
  };
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      const { model, c } = jobs[index]!;
      results[index] = await runCase(suite, options, model, c, cached);
      options.progress?.(++done, jobs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, jobs.length) }, worker));
  if (options.cacheFile) writeFileSync(options.cacheFile, JSON.stringify(cache));
  const passed = results.filter((r) => r.passed).length;
  const costs = results.map((r) => r.cost_usd).filter((c): c is number => c !== null);
  return {
    suite: suite.name,
    created_at: new Date().toISOString(),
    models: suite.models,
    ...(suite.experiment ? { experiment: suite.experiment } : {}),
    cases: results.length,
    passed,
    pass_rate: results.length === 0 ? 0 : passed / results.length,
    cost_usd: costs.length ? costs.reduce((a, b) => a + b, 0) : null,
    tolerance: suite.tolerance,
    verdict: passed === results.length ? 'pass' : 'failed',
    results,
  };
}

async function runCase(
  suite: Suite,
  options: RunOptions,
  model: string,
  c: EvalCase,
  cached: (key: unknown, f: () => Promise<Answer>) => Promise<Answer & { cached: boolean }>,
): Promise<CaseResult> {
  const messages = messagesOf(c);
  const base = { case: c.id, model };
  let answer: Answer & { cached: boolean };
  try {
    // The priced cost is read once, with the answer, and cached with it.
    const wantsCost = options.costOf !== undefined && c.assert.some((a) => a.type === 'cost');
    answer = await cached({ url: options.url, model, messages, maxTokens: suite.maxTokens }, async () => {
      const fresh = await ask(options, model, messages, suite.maxTokens);
      if (wantsCost && fresh.requestId)
        fresh.costUsd = (await options.costOf?.(fresh.requestId).catch(() => null)) ?? null;
      return fresh;
    });
  } catch (err) {
    const error = (err as Error).message;
    return {
      ...base,
      request_id: null,
      output: '',
      error,
      latency_ms: 0,
      cost_usd: null,
      cached: false,
      passed: false,
      assertions: c.assert.map((a) => ({ type: a.type, passed: false, detail: `no answer: ${error}` })),
    };
  }
  const question = messages.map((m) => m.content).join('\n');
  const assertions: AssertionResult[] = [];
  for (const a of c.assert) assertions.push(await check(a, answer, question, options, cached));
  return {
    ...base,
    request_id: answer.requestId,
    output: answer.text,
    error: null,
    latency_ms: answer.latencyMs,
    cost_usd: answer.costUsd,
    cached: answer.cached,
    passed: assertions.every((r) => r.passed),
    assertions,
  };
}

async function check(
  a: Assertion,
  answer: Answer,
  question: string,
  options: RunOptions,
  cached: (key: unknown, f: () => Promise<Answer>) => Promise<Answer & { cached: boolean }>,
): Promise<AssertionResult> {
  const text = answer.text;
  const result = (passed: boolean, detail: string): AssertionResult => ({ type: a.type, passed, detail });
  switch (a.type) {
    case 'equals':
      return result(text.trim() === a.value.trim(), `expected exactly "${a.value.slice(0, 60)}"`);
    case 'contains': {
      const found = a.ignore_case
        ? text.toLowerCase().includes(a.value.toLowerCase())
        : text.includes(a.value);
      return result(found, `${found ? 'contains' : 'does not contain'} "${a.value.slice(0, 60)}"`);
    }
    case 'regex':
      return result(new RegExp(a.value, a.flags).test(text), `/${a.value}/${a.flags}`);
    case 'json_schema': {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return result(false, 'the answer is not JSON');
      }
      const parsed = z.fromJSONSchema(a.schema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(value);
      return result(
        parsed.success,
        parsed.success ? 'matches the schema' : (parsed.error.issues[0]?.message ?? 'invalid'),
      );
    }
    case 'latency':
      return result(answer.latencyMs <= a.max_ms, `${answer.latencyMs} ms (ceiling ${a.max_ms} ms)`);
    case 'cost':
      if (answer.costUsd === null)
        return result(false, 'cost unknown (give an admin key to read the priced request log)');
      return result(answer.costUsd <= a.max_usd, `$${answer.costUsd} (ceiling $${a.max_usd})`);
    case 'llm_judge': {
      const prompt = judgePrompt(a.rubric, question, text);
      try {
        const judged = await cached({ url: options.url, judge: a.model, prompt }, () =>
          ask(options, a.model, [{ role: 'user', content: prompt }], 16),
        );
        const score = parseJudgeScore(judged.text);
        if (score === undefined)
          return result(false, `the judge answered no score ("${judged.text.slice(0, 40)}")`);
        return result(score >= a.threshold, `score ${score} (threshold ${a.threshold})`);
      } catch (err) {
        return result(false, `the judge failed: ${(err as Error).message}`);
      }
    }
  }
}

/** The verdict against a baseline: within tolerance of its pass rate is a pass, below is a regression. */
export function compareWithBaseline(report: EvalReport, baseline: { pass_rate: number }): EvalReport {
  const delta = report.pass_rate - baseline.pass_rate;
  return {
    ...report,
    baseline: { pass_rate: baseline.pass_rate, delta },
    verdict: report.passed === report.cases || delta >= -report.tolerance - 1e-9 ? 'pass' : 'regression',
  };
}

export function markdownReport(report: EvalReport): string {
  const pct = (n: number) => `${(n * 100).toFixed(1)}%`;
  const lines = [
    `# Eval: ${report.suite}`,
    '',
    `**${report.verdict.toUpperCase()}** — ${report.passed}/${report.cases} passed (${pct(report.pass_rate)})` +
      (report.baseline
        ? `, baseline ${pct(report.baseline.pass_rate)} (${report.baseline.delta >= 0 ? '+' : ''}${pct(report.baseline.delta)}, tolerance ${pct(report.tolerance)})`
        : '') +
      (report.cost_usd !== null ? `, cost $${report.cost_usd.toFixed(6)}` : ''),
    '',
    '| case | model | result | latency | details |',
    '| --- | --- | --- | --- | --- |',
    ...report.results.map(
      (r) =>
        `| ${r.case} | ${r.model} | ${r.passed ? 'pass' : 'FAIL'} | ${r.latency_ms} ms${r.cached ? ' (cached)' : ''} | ${
          (
            r.error ??
            r.assertions
              .filter((a) => !a.passed)
              .map((a) => `${a.type}: ${a.detail}`)
              .join('; ')
          ).replace(/\|/g, '\\|') || '-'
        } |`,
    ),
    '',
  ];
  return lines.join('\n');
}
