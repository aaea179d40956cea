// gatehouse drift: drift detection's findings (GET /admin/drift), or a check run now (--check).
import type { Action } from './command.ts';
import { AdminClient } from './admin-client.ts';
import { adminSections } from './output.ts';

interface Metric {
  metric: string;
  drifted: boolean;
  statistic: number;
  skipped?: string;
}
interface Report {
  enabled: boolean;
  checked_at: string | null;
  data: Array<{ dimension: string; value: string; drifted: boolean; metrics: Metric[] }>;
}

export const driftAction: Action = {
  name: 'drift',
  summary: 'Drift findings per model, route and team (recent window against the baseline)',
  details: 'See docs/drift.md for the statistics and thresholds.',
  flags: {
    check: { type: 'boolean', help: 'run a check now instead of showing the last one' },
    all: { type: 'boolean', help: 'list stable groups too, not only those that drift' },
  },
  sections: adminSections,
  async run(values) {
    const client = new AdminClient(values);
    const query = values.all ? '' : '?drifted=true';
    const report = values.check
      ? await client.request<Report>('POST', `/admin/drift/check${query}`, {})
      : await client.request<Report>('GET', `/admin/drift${query}`);
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
      return 0;
    }
    if (!report.enabled) {
      console.log('Drift detection is off (no enabled drift block in the configuration).');
      return 0;
    }
    if (!report.checked_at) {
      console.log('No check has run yet (run with --check).');
      return 0;
    }
    console.log(`Checked at ${report.checked_at}.`);
    if (report.data.length === 0) console.log(values.all ? '(no traffic)' : 'No drift.');
    for (const group of report.data) {
      const moved = group.metrics.filter((m) => m.drifted);
      const verdict = moved.length
        ? `drifts on ${moved.map((m) => `${m.metric} (${m.statistic})`).join(', ')}`
        : 'stable';
      console.log(`${group.dimension} ${group.value}: ${verdict}`);
    }
    return 0;
  },
};
