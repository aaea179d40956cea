// What every page uses: html templates (htm bound to Preact), the admin API client, the URL state
// and small shared components. Pages import from here only.
import htm from '/ui/vendor/htm.js';
import { h, render } from '/ui/vendor/preact.js';
import { useEffect, useRef, useState, useCallback } from '/ui/vendor/hooks.js';

export const html = htm.bind(h);
export { h, render, useEffect, useRef, useState, useCallback };

// ---- the admin API: the session cookie authenticates, the CSRF token guards changes ----
let csrf = sessionStorage.getItem('gh_csrf') ?? '';
export function setCsrf(token) {
  csrf = token ?? '';
  if (csrf) sessionStorage.setItem('gh_csrf', csrf);
  else sessionStorage.removeItem('gh_csrf');
}
export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}
export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { error: { message: text.slice(0, 200) } };
  }
  if (!res.ok) {
    const message = data?.error?.message ?? `${res.status} ${res.statusText}`;
    if (res.status === 401 && !path.startsWith('/admin/session')) onSignedOut();
    throw new ApiError(res.status, message, data?.error?.code);
  }
  return data;
}
export const get = (path, query) => api('GET', query ? `${path}?${qs(query)}` : path);
export function qs(query) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  return p.toString();
}
let onSignedOut = () => {};
export function whenSignedOut(fn) {
  onSignedOut = fn;
}

// ---- URL state: the path names the page, the query string holds its filters (shareable) ----
export function navigate(href) {
  history.pushState(null, '', href);
  dispatchEvent(new Event('gh:navigate'));
}
export function useLocation() {
  const [loc, setLoc] = useState(() => ({ path: location.pathname, search: location.search }));
  useEffect(() => {
    const update = () => setLoc({ path: location.pathname, search: location.search });
    addEventListener('popstate', update);
    addEventListener('gh:navigate', update);
    return () => {
      removeEventListener('popstate', update);
      removeEventListener('gh:navigate', update);
    };
  }, []);
  return loc;
}
export function useQuery() {
  const { search } = useLocation();
  const params = Object.fromEntries(new URLSearchParams(search));
  const set = (changes) => {
    const next = { ...params, ...changes };
    navigate(`${location.pathname}?${qs(next)}`);
  };
  return [params, set];
}
/** A link that changes page without reloading the console. */
export function Link({ href, children, ...rest }) {
  const click = (e) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    navigate(href);
  };
  return html`<a href=${href} onClick=${click} ...${rest}>${children}</a>`;
}

// ---- loading data ----
/** Loads `load()` again whenever `deps` change; `reload` loads it once more. */
export function useData(load, deps) {
  const [state, setState] = useState({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export function Loaded({ state, empty, children }) {
  if (state.error) return html`<p class="error" role="alert">${state.error.message}</p>`;
  if (state.data === undefined) return html`<p class="muted" aria-busy="true">Loading…</p>`;
  if (empty?.(state.data)) return html`<p class="empty">${typeof empty.text === 'string' ? empty.text : 'Nothing here yet.'}</p>`;
  return children(state.data);
}
export const emptyText = (test, text) => Object.assign(test, { text });

// ---- formatting ----
export const money = (usd) =>
  usd === null || usd === undefined ? '—' : usd < 0.01 && usd > 0 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
export const num = (n) => (n === null || n === undefined ? '—' : Number(n).toLocaleString('en'));
export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
export const ms = (n) => (n === null || n === undefined ? '—' : `${Math.round(n)} ms`);

export function Page({ title, actions, children }) {
  useEffect(() => {
    document.title = `${title} · Gatehouse`;
  }, [title]);
  return html`<section class="page" aria-labelledby="page-title">
    <header class="page-head"><h1 id="page-title" tabindex="-1">${title}</h1>${actions}</header>
    ${children}
  </section>`;
}

export function Table({ columns, rows, caption, rowKey }) {
  return html`<div class="table-wrap"><table>
    ${caption ? html`<caption>${caption}</caption>` : null}
    <thead><tr>${columns.map((c) => html`<th scope="col" class=${c.num ? 'num' : ''}>${c.label}</th>`)}</tr></thead>
    <tbody>${rows.map(
      (row, i) =>
        html`<tr key=${rowKey ? rowKey(row) : i}>${columns.map(
          (c) => html`<td class=${c.num ? 'num' : ''}>${c.render ? c.render(row) : row[c.key]}</td>`,
        )}</tr>`,
    )}</tbody>
  </table></div>`;
}

/** Spent against a limit, as a bar with its numbers in words for screen readers. */
export function SpendBar({ spent, limit, label }) {
  const ratio = limit > 0 ? Math.min(1, spent / limit) : 0;
  const tone = ratio >= 1 ? 'over' : ratio >= 0.8 ? 'near' : 'ok';
  return html`<div class="spend">
    <div class="bar ${tone}" role="meter" aria-valuemin="0" aria-valuemax=${limit} aria-valuenow=${spent}
      aria-label=${label ?? 'Spend against budget'}><span style=${{ width: `${ratio * 100}%` }}></span></div>
    <small>${money(spent)} of ${money(limit)}</small>
  </div>`;
}

export function Field({ label, children, hint }) {
  return html`<label class="field"><span>${label}</span>${children}${hint ? html`<small class="muted">${hint}</small>` : null}</label>`;
}

/** A button that runs an async action, shows it is busy, and reports a failure next to itself. */
export function Action({ run, children, kind, confirm: question, ...rest }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const click = async () => {
    if (question && !window.confirm(question)) return;
    setBusy(true);
    setError('');
    try {
      await run();
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<span class="action"><button type="button" class=${kind ?? ''} disabled=${busy} aria-busy=${busy} onClick=${click} ...${rest}>${children}</button>${error ? html`<span class="error" role="alert">${error}</span>` : null}</span>`;
}

export function CopyButton({ text }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const area = document.createElement('textarea');
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    setDone(true);
  };
  return html`<button type="button" onClick=${copy}>${done ? 'Copied' : 'Copy'}</button>`;
}

/** Cursor paging under a list: Newer goes back (the page before is in the history), Older follows next_cursor. */
export function Pager({ cursor, next, onOlder }) {
  return html`<div class="pager">
    ${cursor ? html`<button type="button" onClick=${() => history.back()}>Newer</button>` : null}
    ${next ? html`<button type="button" onClick=${() => onOlder(next)}>Older</button>` : null}
  </div>`;
}
