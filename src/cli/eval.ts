// gatehouse eval run: an eval suite through a gateway, made for CI — a table and a progress bar,
// JSON and Markdown reports, a verdict against a baseline, and exit 0 (pass), 1 (a regression, or a
// failed case without a baseline) or 2 (a malformed suite or a usage mistake). docs/quality.md.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { compareWithBaseline, type EvalReport, markdownReport, runSuite } from '../quality/eval-run.ts';
import { loadSuite, type Suite, SuiteError } from '../quality/suite.ts';
import { AdminClient, connectionFlags } from './admin-client.ts';
import type { Group, Values } from './command.ts';
import { adminSections, pagingFlags, printList, table } from './output.ts';

const fail = (message: string): number => {
  console.error(`gatehouse eval: ${message}`);
  return 2;
};

function progressBar(done: number, total: number): void {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  process.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`);
  if (done === total) process.stderr.write('\n');
}

/** Admin access, when a master key is at hand: cost ceilings read the priced log, reports are stored. */
function adminAccess(values: Values): AdminClient | undefined {
  const has =
    typeof values['master-key'] === 'string' ||
    Boolean(process.env.GATEHOUSE_MASTER_KEY) ||
    existsSync('.gatehouse/master.key');
  return has ? new AdminClient(values) : undefined;
}

async function costOf(admin: AdminClient, requestId: string): Promise<number | null> {
  // The request log is written within moments of the answer: a few short waits at most.
  for (let i = 0; i < 20; i++) {
    const page = await admin.request<{ data: Array<{ cost_usd: number | null }> }>(
      'GET',
      `/admin/logs?request_id=${encodeURIComponent(requestId)}&since=1h`,
    );
    if (page.data[0]) return page.data[0].cost_usd;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return null;
}

async function run(values: Values, args: string[]): Promise<number> {
  let suite: Suite;
  try {
    suite = loadSuite(args[0]!);
  } catch (err) {
    if (err instanceof SuiteError) return fail(`malformed suite: ${err.message}`);
    throw err;
  }
  const key = (values.key as string | undefined) ?? process.env.GATEHOUSE_KEY;
  if (!key) return fail('no key: pass --key or set GATEHOUSE_KEY (a virtual key of the team to run as).');
  const url = (values.url as string | undefined) ?? process.env.GATEHOUSE_URL ?? 'http://127.0.0.1:4000';
  const concurrency = Number(values.concurrency ?? suite.concurrency ?? 4);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    return fail('--concurrency: a whole number from 1 to 64.');
  let baseline: { pass_rate: number } | undefined;
  if (typeof values.baseline === 'string') {
    try {
      baseline = JSON.parse(readFileSync(values.baseline, 'utf8')) as { pass_rate: number };
    } catch (err) {
      return fail(`--baseline: cannot read ${values.baseline}: ${(err as Error).message}`);
    }
    if (typeof baseline?.pass_rate !== 'number')
      return fail(`--baseline: ${values.baseline} is not an eval report.`);
  }
  const admin = adminAccess({ ...values, url });
  let report: EvalReport = await runSuite(suite, {
    url,
    key,
    concurrency,
    ...(values['no-cache']
      ? {}
      : { cacheFile: (values.cache as string | undefined) ?? '.gatehouse-eval-cache.json' }),
    ...(admin ? { costOf: (id: string) => costOf(admin, id) } : {}),
    progress: progressBar,
  });
  if (baseline) report = compareWithBaseline(report, baseline);
  if (typeof values.out === 'string') writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  if (typeof values.markdown === 'string') writeFileSync(values.markdown, markdownReport(report));
  if (admin)
    await admin.request('POST', '/admin/evals', report).catch((err: unknown) => {
      console.error(`gatehouse eval: the report was not stored: ${(err as Error).message}`);
    });
  console.log(
    table(
      ['case', 'model', 'result', 'latency', 'details'],
      report.results.map((r) => [
        r.case,
        r.model,
        r.passed ? 'pass' : 'FAIL',
        `${r.latency_ms} ms${r.cached ? ' (cached)' : ''}`,
        (r.error ??
          r.assertions
            .filter((a) => !a.passed)
            .map((a) => `${a.type}: ${a.detail}`)
            .join('; ')) ||
          '-',
      ]),
    ),
  );
  const pct = (n: number) => `${(n * 100).toFixed(1)}%`;
  console.log(
    `${report.verdict.toUpperCase()}: ${report.passed}/${report.cases} passed (${pct(report.pass_rate)})` +
      (report.baseline
        ? `; baseline ${pct(report.baseline.pass_rate)}, tolerance ${pct(report.tolerance)}`
        : ''),
  );
  return report.verdict === 'pass' ? 0 : 1;
}

export const evalGroup: Group = {
  name: 'eval',
  summary: 'Evaluate models before shipping: run a suite through the gateway.',
  actions: [
    {
      name: 'run',
      summary: 'Run an eval suite; exit 0 on pass, 1 on a regression or failure, 2 on a malformed suite',
      args: ['SUITE'],
      flags: {
        baseline: {
          type: 'string',
          value: 'FILE',
          help: 'a previous JSON report to compare the pass rate with',
        },
        out: { type: 'string', value: 'FILE', help: 'write the JSON report here' },
        markdown: { type: 'string', value: 'FILE', help: 'write a Markdown report here (for a CI summary)' },
        concurrency: { type: 'string', value: 'N', help: 'cases run at once (default: the suite’s, else 4)' },
        key: { type: 'string', value: 'KEY', help: 'the virtual key to run as (default: $GATEHOUSE_KEY)' },
        url: connectionFlags.url!,
        'master-key': {
          type: 'string',
          value: 'KEY',
          help: 'admin access, to check cost ceilings and store the report (default: $GATEHOUSE_MASTER_KEY)',
        },
        cache: { type: 'string', value: 'FILE', help: 'cached answers (default .gatehouse-eval-cache.json)' },
        'no-cache': { type: 'boolean', help: 'ask every case again' },
      },
      details:
        'Answers are cached by case and model: a re-run asks only what changed. Reports are stored with POST /admin/evals when a master key is at hand.',
      run,
    },
  ],
};

const scoreFilters = {
  team: { type: 'string', value: 'TEAM', help: 'one team (id or name)' },
  model: { type: 'string', value: 'MODEL', help: 'one model' },
  target: { type: 'string', value: 'PROVIDER/MODEL', help: 'the target that answered' },
  experiment: { type: 'string', value: 'NAME', help: 'one experiment' },
  variant: { type: 'string', value: 'NAME', help: 'one variant' },
  name: { type: 'string', value: 'NAME', help: 'one score name (thumbs, an evaluator)' },
  since: { type: 'string', value: 'T', help: 'from (default 7d): ISO 8601, epoch ms, or 90m, 24h, 7d' },
  until: { type: 'string', value: 'T', help: 'to (default now)' },
} as const;
const filterNames = Object.keys(scoreFilters);

function query(values: Values, extra: string[]): string {
  const q = new URLSearchParams();
  for (const name of [...filterNames, ...extra]) {
    const value = values[name];
    if (typeof value === 'string') q.set(name.replaceAll('-', '_'), value);
  }
  const text = q.toString();
  return text ? `?${text}` : '';
}

const listColumns = ['created_at', 'request_id', 'team_id', 'model', 'variant', 'source', 'name', 'value'];

async function listScores(path: string, values: Values, extra: string[]): Promise<number> {
  const q = new URLSearchParams(query(values, extra).slice(1));
  const page = await new AdminClient(values).list(path, q, values.all === true);
  printList(values, page, listColumns);
  return 0;
}

export const feedbackGroup: Group = {
  name: 'feedback',
  summary: 'Feedback callers sent on answers (POST /v1/feedback).',
  actions: [
    {
      name: 'list',
      summary: 'Feedback, newest first',
      flags: {
        ...scoreFilters,
        'request-id': { type: 'string', value: 'ID', help: "one request's feedback" },
        ...pagingFlags,
      },
      sections: adminSections,
      run: (values) => listScores('/admin/feedback', values, ['request-id', 'limit', 'cursor']),
    },
  ],
};

export const scoresGroup: Group = {
  name: 'scores',
  summary: 'Scores of answers: feedback and online evaluators.',
  actions: [
    {
      name: 'list',
      summary: 'Scores, newest first',
      flags: {
        ...scoreFilters,
        source: { type: 'string', value: 'SOURCE', help: 'feedback or evaluator' },
        'request-id': { type: 'string', value: 'ID', help: "one request's scores" },
        ...pagingFlags,
      },
      sections: adminSections,
      run: (values) => listScores('/admin/scores', values, ['source', 'request-id', 'limit', 'cursor']),
    },
    {
      name: 'rollup',
      summary: 'Count and mean of each score per team, model, target, experiment or variant',
      flags: {
        ...scoreFilters,
        source: { type: 'string', value: 'SOURCE', help: 'feedback or evaluator' },
        'group-by': {
          type: 'string',
          value: 'KEYS',
          help: 'comma-separated: team, model, provider, target, experiment, variant, source, name (default team,model)',
        },
      },
      sections: adminSections,
      async run(values) {
        const answer = await new AdminClient(values).request<{
          group_by: string[];
          data: Array<{
            group: Record<string, string | null>;
            count: number;
            mean: number;
            min: number;
            max: number;
          }>;
        }>('GET', `/admin/quality${query(values, ['source', 'group-by'])}`);
        if (values.json) {
          console.log(JSON.stringify(answer, null, 2));
          return 0;
        }
        if (answer.data.length === 0) console.log('(none)');
        else
          console.log(
            table(
              [...answer.group_by, 'count', 'mean', 'min', 'max'],
              answer.data.map((r) => [
                ...answer.group_by.map((k) => r.group[k] ?? '-'),
                String(r.count),
                r.mean.toFixed(3),
                String(r.min),
                String(r.max),
              ]),
            ),
          );
        return 0;
      },
    },
  ],
};
