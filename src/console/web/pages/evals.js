// Eval runs `gatehouse eval run` stored (with admin access): one suite's pass rate over time, and every
// stored run in pages (GET /admin/evals). The suite and the page are in the query string.
import { get, html, Loaded, money, num, Page, Pager, Table, useData, useQuery, when } from '../lib.js';

const rate = (v) => `${Math.round(v * 1000) / 10}%`;

export function EvalsPage() {
  const [q, setQ] = useQuery();
  // The newest 1000 runs name the suites there are to choose from and draw the chart.
  const recent = useData(() => get('/admin/evals', { limit: 1000 }), []);
  const runs = useData(
    () => get('/admin/evals', { suite: q.suite, cursor: q.cursor, limit: 50 }),
    [q.suite, q.cursor],
  );
  return html`<${Page} title="Evals">
    <${Loaded} state=${recent} empty=${Object.assign((d) => d.data.length === 0, { text: 'No eval runs stored yet: gatehouse eval run, given admin access, stores each report here (docs/quality.md).' })}>${(
      list,
    ) => {
      const suites = [...new Set(list.data.map((r) => r.suite))].sort();
      const suite = suites.includes(q.suite) ? q.suite : list.data[0].suite;
      const points = list.data.filter((r) => r.suite === suite).reverse();
      return html`<form class="filters" aria-label="Eval filters" onSubmit=${(e) => e.preventDefault()}>
          <label class="field"><span>Suite</span><select value=${suite} onChange=${(e) => setQ({ suite: e.target.value, cursor: '' })}>
            ${suites.map((s) => html`<option value=${s}>${s}</option>`)}</select></label>
        </form>
        <${PassRates} suite=${suite} runs=${points.slice(-60)} />`;
    }}</${Loaded}>
    <h2>Runs</h2>
    <${Loaded} state=${runs} empty=${Object.assign((d) => d.data.length === 0, { text: 'No runs of this suite.' })}>${(
      page,
    ) => html`
      <${Table} caption="Eval runs, newest first" rowKey=${(r) => r.id} rows=${page.data} columns=${[
        { label: 'Time', render: (r) => when(r.created_at) },
        { label: 'Suite', key: 'suite' },
        { label: 'Cases', num: true, render: (r) => num(r.cases) },
        { label: 'Passed', num: true, render: (r) => num(r.passed) },
        { label: 'Pass rate', num: true, render: (r) => rate(r.pass_rate) },
        { label: 'Cost', num: true, render: (r) => money(r.cost_usd) },
        {
          label: 'Verdict',
          render: (r) => html`<span class=${r.verdict === 'pass' ? 'good' : 'bad'}>${r.verdict}</span>`,
        },
      ]} />
      <${Pager} cursor=${q.cursor} next=${page.next_cursor} onOlder=${(c) => setQ({ cursor: c })} />`}</${Loaded}>
  </${Page}>`;
}

/**
 * One bar per run, oldest left, as tall as its pass rate and coloured by its verdict: runs come in
 * bursts (a CI pipeline, a day's releases), so they are drawn in order rather than on a time axis.
 */
function PassRates({ suite, runs }) {
  const width = 640;
  const height = 140;
  const slot = width / Math.max(runs.length, 8);
  const bar = Math.min(40, slot - 4);
  const colour = (v) => (v === 'pass' ? '#10b981' : v === 'regression' ? '#f59e0b' : '#ef4444');
  const first = runs[0];
  const last = runs.at(-1);
  const label = `Pass rate of ${suite} over its last ${runs.length} runs: ${runs.map((r) => rate(r.pass_rate)).join(', ')}`;
  return html`<figure class="chart" style=${{ maxWidth: '760px' }}>
    <figcaption>Pass rate of ${suite}, run by run</figcaption>
    <svg viewBox=${`0 0 ${width + 40} ${height + 24}`} width="100%" role="img" aria-label=${label} tabindex="0">
      ${[0, 0.5, 1].map(
        (v) => html`<g>
        <line x1="36" x2=${width + 40} y1=${height - v * (height - 10)} y2=${height - v * (height - 10)} stroke="currentColor" stroke-opacity="0.15" />
        <text x="30" y=${height - v * (height - 10) + 4} font-size="11" text-anchor="end" fill="currentColor">${rate(v)}</text></g>`,
      )}
      ${runs.map((r, i) => {
        const h = r.pass_rate * (height - 10);
        return html`<rect x=${40 + i * slot + (slot - bar) / 2} y=${height - h} width=${bar} height=${Math.max(1, h)} fill=${colour(r.verdict)}>
          <title>${when(r.created_at)}: ${rate(r.pass_rate)} (${r.passed} of ${r.cases}), ${r.verdict}</title></rect>`;
      })}
      <text x="40" y=${height + 18} font-size="11" fill="currentColor">${when(first.created_at)}</text>
      ${runs.length > 1 ? html`<text x=${40 + runs.length * slot} y=${height + 18} font-size="11" text-anchor="end" fill="currentColor">${when(last.created_at)}</text>` : null}
    </svg>
  </figure>`;
}
