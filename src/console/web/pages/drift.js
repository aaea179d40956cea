// Drift: the latest check's findings per model, route and team (GET /admin/drift), each metric that
// moved drawn as its baseline and recent distributions side by side with its statistic against the
// threshold; a check run now (POST /admin/drift/check); and the history of what moved when.
import { Action, api, get, html, Link, Loaded, Page, Pager, qs, Table, useData, useQuery, when } from '../lib.js';

const dimensions = {
  '': 'All groups',
  model: 'Models (as served)',
  route: 'Routes (as called)',
  team: 'Teams',
};
const colours = { baseline: '#64748b', recent: '#f59e0b' };
const pct = (x) => `${Math.round(x * 1000) / 10}%`;
const short = (x) =>
  Math.abs(x) >= 1000
    ? `${Math.round(x / 100) / 10}k`
    : Math.abs(x) >= 10
      ? String(Math.round(x))
      : String(Math.round(x * 100) / 100);
const testName = { ks: 'KS D', psi: 'PSI', rate: 'change' };
/** A group's value as people read it: a team by its name (groups are keyed by team id). */
const labelOf = (names, dimension, value) => (dimension === 'team' ? (names.get(value) ?? value) : value);

export function DriftPage() {
  const [q, setQ] = useQuery();
  const all = q.all === '1';
  const dimension = q.dimension in dimensions ? q.dimension : '';
  const state = useData(() => get('/admin/drift', { drifted: all ? undefined : 'true' }), [all]);
  const teams = useData(() => get('/admin/teams', { limit: 200 }), []);
  const names = new Map((teams.data?.data ?? []).map((t) => [t.id, t.name]));
  const check = async () => {
    await api('POST', '/admin/drift/check');
    state.reload();
  };
  const actions = html`<${Action} kind="primary" run=${check}>Check now</${Action}>`;
  return html`<${Page} title="Drift" actions=${actions}>
    <form class="filters" aria-label="Drift filters" onSubmit=${(e) => e.preventDefault()}>
      <label class="field"><span>Groups</span><select value=${dimension} onChange=${(e) => setQ({ dimension: e.target.value, cursor: '' })}>
        ${Object.entries(dimensions).map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label>
      ${q.value ? html`<span>Only <code>${q.value}</code> <button type="button" onClick=${() => setQ({ value: '', cursor: '' })}>Show every group</button></span>` : null}
      <label class="check"><input type="checkbox" checked=${all} onChange=${(e) => setQ({ all: e.target.checked ? '1' : '' })} /> Stable groups too</label>
    </form>
    <${Loaded} state=${state}>${(report) => html`<${Findings} report=${report} dimension=${dimension} value=${q.value} all=${all} names=${names} />`}</${Loaded}>
    <h2>History</h2>
    <${History} dimension=${dimension} value=${q.value} cursor=${q.cursor} checked=${state.data?.checked_at} names=${names} onPage=${(cursor) => setQ({ cursor })} />
  </${Page}>`;
}

function Findings({ report, dimension, value, all, names }) {
  if (!report.enabled)
    return html`<p class="empty">Drift detection is off: add a <code>drift:</code> block to the configuration (docs/drift.md).</p>`;
  if (!report.checked_at)
    return html`<p class="empty">No check has run yet. Press “Check now”, or wait for the timer.</p>`;
  const groups = report.data
    .filter((g) => (!dimension || g.dimension === dimension) && (!value || g.value === value))
    .sort((a, b) => Number(b.drifted) - Number(a.drifted));
  return html`<p>${`Checked ${when(report.checked_at)}: the recent window ${when(report.window.from)} – ${when(report.window.to)} against the baseline ${when(report.baseline.from)} – ${when(report.baseline.to)}.`}</p>
    ${
      groups.length === 0
        ? html`<p class="empty">${all ? 'No traffic in the recent window.' : 'Nothing drifts: every group is stable.'}</p>`
        : groups.map((g) => html`<${Group} key=${`${g.dimension}:${g.value}`} group=${g} label=${labelOf(names, g.dimension, g.value)} />`)
    }
    ${
      report.targets.length
        ? html`<h2>Targets judged for demotion</h2><${Table} caption="Targets judged for demotion" rows=${report.targets} columns=${[
            { label: 'Target', render: (t) => `${t.provider}/${t.model}` },
            { label: 'Requests', num: true, key: 'requests' },
            { label: 'Error rate', num: true, render: (t) => pct(t.error_rate) },
            {
              label: 'Mean score',
              num: true,
              render: (t) => (t.mean_score === null ? '—' : t.mean_score.toFixed(3)),
            },
            {
              label: 'Verdict',
              render: (t) =>
                html`<span class=${t.demoted ? 'bad' : 'good'}>${t.demoted ? 'demoted' : 'kept'}</span> ${t.reasons.join('; ')}`,
            },
          ]} />`
        : null
    }`;
}

function Group({ group, label }) {
  const moved = group.metrics.filter((m) => m.drifted);
  const id = `drift-${group.dimension}-${group.value}`.replace(/[^\w-]/g, '_');
  return html`<section class="drift-group" aria-labelledby=${id}>
    <h3 id=${id}>${group.dimension} <code>${label}</code>${': '}<span class=${group.drifted ? 'bad' : 'good'}>${group.drifted ? `drifts on ${moved.map((m) => m.metric).join(', ')}` : 'stable'}</span></h3>
    <div class="charts">${moved.map((m) => html`<${Comparison} key=${m.metric} metric=${m} />`)}</div>
    <${Table} caption=${`Every metric of ${group.dimension} ${label}`} rowKey=${(m) => m.metric} rows=${group.metrics} columns=${[
      { label: 'Metric', key: 'metric' },
      { label: 'Test', render: (m) => testName[m.test] },
      { label: 'Statistic', num: true, render: (m) => (m.skipped ? '—' : m.statistic) },
      { label: 'Threshold', num: true, render: (m) => thresholdText(m) },
      { label: 'p', num: true, render: (m) => (m.p === undefined ? '—' : m.p.toPrecision(2)) },
      { label: 'Baseline', render: (m) => windowText(m.baseline) },
      { label: 'Recent', render: (m) => windowText(m.recent) },
      {
        label: 'Verdict',
        render: (m) =>
          m.skipped
            ? html`<span class="muted">${m.skipped}</span>`
            : html`<span class=${m.drifted ? 'bad' : 'good'}>${m.drifted ? 'drifts' : 'stable'}</span>`,
      },
    ]} />
  </section>`;
}

const thresholdText = (m) =>
  `> ${m.threshold.statistic}${m.threshold.p === undefined ? '' : `, p < ${m.threshold.p}`}`;

function windowText(w) {
  if (w.n === 0) return '—';
  if ('p50' in w) return `n ${w.n}, median ${short(w.p50)}`;
  if ('rate' in w) return `n ${w.n}, ${pct(w.rate)}`;
  const top = Object.entries(w.shares)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3);
  return `n ${w.n}, ${top.map(([k, v]) => `${k} ${pct(v)}`).join(', ')}`;
}

/** The bars a metric is drawn with: bins of a continuous value, categories of a mix, or a rate. */
function barsOf(m) {
  if (m.bins) {
    const { edges } = m.bins;
    return m.bins.baseline.map((b, i) => ({
      label: `${short(edges[i])}–${short(edges[i + 1])}`,
      edge: short(edges[i]),
      baseline: b,
      recent: m.bins.recent[i],
    }));
  }
  if ('shares' in m.baseline) {
    const keys = [...new Set([...Object.keys(m.baseline.shares), ...Object.keys(m.recent.shares)])];
    return keys.map((k) => ({
      label: k,
      baseline: m.baseline.shares[k] ?? 0,
      recent: m.recent.shares[k] ?? 0,
    }));
  }
  return [{ label: m.metric, baseline: m.baseline.rate, recent: m.recent.rate }];
}

/** Baseline and recent side by side as paired bars (shares of each window), in SVG. */
export function Comparison({ metric: m, title }) {
  const bars = barsOf(m);
  const top = Math.max(0.01, ...bars.flatMap((b) => [b.baseline, b.recent]));
  const width = 420;
  const height = 150;
  const slot = width / bars.length;
  const bar = Math.max(2, Math.min(28, slot / 2 - 3));
  const y = (share) => height - (share / top) * (height - 10);
  const label = `${m.metric}: ${testName[m.test]} ${m.statistic} against ${thresholdText(m)}; baseline ${windowText(m.baseline)}; recent ${windowText(m.recent)}`;
  // Bins are labelled by their edges (every few), categories by name.
  const every = Math.ceil(bars.length / (bars[0]?.edge === undefined ? 6 : 4));
  const end = m.bins ? short(m.bins.edges.at(-1)) : undefined;
  return html`<figure class="chart" style=${{ maxWidth: '560px' }}>
    <figcaption>${title ?? m.metric} <small class="muted">${testName[m.test]} ${m.statistic} (threshold ${thresholdText(m)})</small></figcaption>
    <svg viewBox=${`0 0 ${width} ${height + 34}`} width="100%" role="img" aria-label=${label} tabindex="0">
      <line x1="0" x2=${width} y1=${height} y2=${height} stroke="currentColor" stroke-opacity="0.3" />
      ${bars.map((b, i) => {
        const x = i * slot + slot / 2;
        return html`<g>
          <rect x=${x - bar - 1} y=${y(b.baseline)} width=${bar} height=${height - y(b.baseline)} fill=${colours.baseline}><title>${b.label}: baseline ${pct(b.baseline)}</title></rect>
          <rect x=${x + 1} y=${y(b.recent)} width=${bar} height=${height - y(b.recent)} fill=${colours.recent}><title>${b.label}: recent ${pct(b.recent)}</title></rect>
          ${
            i % every === 0
              ? html`<text x=${b.edge === undefined ? x : i * slot} y=${height + 14} font-size="11" text-anchor=${b.edge === undefined || i > 0 ? 'middle' : 'start'} fill="currentColor">${b.edge ?? b.label}</text>`
              : null
          }
        </g>`;
      })}
      ${end === undefined ? null : html`<text x=${width} y=${height + 14} font-size="11" text-anchor="end" fill="currentColor">${end}</text>`}
      <g font-size="11" fill="currentColor">
        <rect x="0" y=${height + 22} width="10" height="10" fill=${colours.baseline} /><text x="14" y=${height + 31}>baseline</text>
        <rect x="80" y=${height + 22} width="10" height="10" fill=${colours.recent} /><text x="94" y=${height + 31}>recent</text>
        <text x=${width} y=${height + 31} text-anchor="end">share of each window</text>
      </g>
    </svg>
  </figure>`;
}

/** `checked`: the latest check's time, so that a check run from the page shows in the history. */
function History({ dimension, value, cursor, checked, names, onPage }) {
  const state = useData(
    () => get('/admin/drift/history', { dimension: dimension || undefined, value, cursor, limit: 25 }),
    [dimension, value, cursor, checked],
  );
  return html`<${Loaded} state=${state} empty=${Object.assign((d) => d.data.length === 0, { text: 'No drift has been found yet (findings are kept 30 days).' })}>${(
    page,
  ) => html`
    <${Table} caption="Metrics that moved, newest first" rowKey=${(f) => f.id} rows=${page.data} columns=${[
      { label: 'Checked', render: (f) => when(f.checked_at) },
      {
        label: 'Group',
        render: (f) =>
          html`${f.dimension} <${Link} href=${`/ui/drift?${qs({ dimension: f.dimension, value: f.value, all: '1' })}`}>${labelOf(names, f.dimension, f.value)}</${Link}>`,
      },
      { label: 'Metric', key: 'metric' },
      { label: 'Statistic', num: true, render: (f) => `${testName[f.test]} ${f.statistic}` },
      { label: 'Threshold', num: true, render: (f) => thresholdText(f) },
      { label: 'What moved', key: 'summary' },
    ]} />
    <${Pager} cursor=${cursor} next=${page.next_cursor} onOlder=${onPage} />`}</${Loaded}>`;
}
