// Which models and which MCP tools a team, user or key may use: the model rule (PATCH of the owner,
// `models`) and the tool rules (PUT …/rules: `tools`, `tool_limits`, `tool_args`), each shown as a
// one-line summary that opens into its editor. The API decides who may change what; its refusal
// (a team_admin changing a team's model rule, say) is shown beside the Save button, in its words.
import { api, html, useState } from '../lib.js';

const listText = (list) => (list ?? []).join('\n');
const parseList = (text) =>
  text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);

/** The allowed models of an owner: "all" when unset, else a list of names or globs. */
export function ModelRules({ path, name, models, saved }) {
  const [all, setAll] = useState(models === null);
  const [text, setText] = useState(listText(models));
  const [message, setMessage] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    const list = parseList(text);
    if (!all && list.length === 0) {
      setMessage({ error: 'Name at least one model or glob, or allow all models.' });
      return;
    }
    try {
      await api('PATCH', path, { models: all ? null : list });
      setMessage({ ok: 'Saved.' });
      saved?.();
    } catch (err) {
      setMessage({ error: err.message });
    }
  };
  return html`<details class="rule-editor">
    <summary>Models: ${models === null ? html`<strong>all</strong>` : models.map((m) => html`<code class="pill">${m}</code>`)}</summary>
    <form class="rules" onSubmit=${submit} aria-label=${`Model rules of ${name}`}>
      <label class="check"><input type="checkbox" name="all_models" checked=${all} onChange=${(e) => setAll(e.target.checked)} /> All models</label>
      <${ListField} label="Allowed models (one per line; * matches anything)" name="models" value=${text} disabled=${all} onInput=${setText} />
      <button type="submit">Save models</button>
      <${Message} message=${message} />
    </form>
  </details>`;
}

// A rule row: a glob over <server>__<tool>, allowed, denied or neither (only limited), and calls a minute.
function rowsOf(rules) {
  const rows = [];
  for (const entry of rules.tools ?? [])
    rows.push(
      entry.startsWith('!')
        ? { pattern: entry.slice(1), effect: 'deny', rpm: '' }
        : { pattern: entry, effect: 'allow', rpm: '' },
    );
  for (const [pattern, rpm] of Object.entries(rules.tool_limits ?? {})) {
    const row = rows.find((r) => r.pattern === pattern && r.effect === 'allow');
    if (row) row.rpm = String(rpm);
    else rows.push({ pattern, effect: 'limit', rpm: String(rpm) });
  }
  return rows;
}

function summary(rules) {
  const allow = (rules.tools ?? []).filter((t) => !t.startsWith('!'));
  const deny = (rules.tools ?? []).filter((t) => t.startsWith('!')).map((t) => t.slice(1));
  const parts = [];
  parts.push(
    rules.tools === null ? 'all allowed' : allow.length ? `only ${allow.join(', ')}` : 'all but the denied',
  );
  if (deny.length) parts.push(`never ${deny.join(', ')}`);
  const limits = Object.entries(rules.tool_limits ?? {});
  if (limits.length) parts.push(limits.map(([p, n]) => `${p} ${n}/min`).join(', '));
  if (rules.tool_args) parts.push(`${Object.keys(rules.tool_args).length} narrowed`);
  return parts.join(' · ');
}

/** The tool rules of an owner, from the rules its RulesEditor loaded; saved to …/rules. */
export function ToolRulesForm({ base, name, rules, saved }) {
  const [rows, setRows] = useState(() => rowsOf(rules));
  const [args, setArgs] = useState(rules.tool_args ? JSON.stringify(rules.tool_args, null, 2) : '');
  const [message, setMessage] = useState(null);
  const change = (i, field) => (e) =>
    setRows(rows.map((r, j) => (j === i ? { ...r, [field]: e.target.value } : r)));
  const submit = async (e) => {
    e.preventDefault();
    const used = rows.filter((r) => r.pattern.trim() || r.rpm !== '');
    const blank = used.find((r) => !r.pattern.trim());
    if (blank)
      return setMessage({ error: 'Every rule needs a tool pattern, e.g. github__* or files__read_*.' });
    const bad = used.find((r) => r.rpm !== '' && !(Number.isInteger(Number(r.rpm)) && Number(r.rpm) >= 1));
    if (bad)
      return setMessage({ error: `Calls / min of ${bad.pattern.trim()}: a whole number of at least 1.` });
    let toolArgs = null;
    if (args.trim()) {
      try {
        toolArgs = JSON.parse(args);
      } catch (err) {
        return setMessage({ error: `Narrowed arguments: not JSON (${err.message}).` });
      }
    }
    const tools = used
      .filter((r) => r.effect !== 'limit')
      .map((r) => (r.effect === 'deny' ? `!${r.pattern.trim()}` : r.pattern.trim()));
    const limits = Object.fromEntries(
      used.filter((r) => r.rpm !== '').map((r) => [r.pattern.trim(), Number(r.rpm)]),
    );
    try {
      await api('PUT', `${base}/rules`, {
        tools: tools.length ? tools : null,
        tool_limits: Object.keys(limits).length ? limits : null,
        tool_args: toolArgs,
      });
      setMessage({ ok: 'Saved.' });
      saved();
    } catch (err) {
      setMessage({ error: err.message });
    }
  };
  return html`<details class="rule-editor">
    <summary>Tools: ${summary(rules)}</summary>
    <form class="tool-rules" onSubmit=${submit} aria-label=${`Tool rules of ${name}`}>
      <p class="muted">Patterns are globs over <code>server__tool</code> (<code>github__*</code>). With no allow rule every tool
        is allowed; a deny rule always wins. Calls that wait for a person's approval are set per MCP server in the configuration.</p>
      ${
        rows.length
          ? html`<table><thead><tr><th scope="col">Tool pattern</th><th scope="col">Effect</th><th scope="col">Calls / min</th><th scope="col"><span class="sr-only">Remove</span></th></tr></thead>
        <tbody>${rows.map(
          (r, i) => html`<tr key=${i}>
            <td><input aria-label=${`Tool pattern ${i + 1}`} value=${r.pattern} onInput=${change(i, 'pattern')} placeholder="github__*" /></td>
            <td><select aria-label=${`Effect ${i + 1}`} value=${r.effect} onChange=${change(i, 'effect')}>
              <option value="allow">allow</option><option value="deny">deny</option><option value="limit">limit only</option></select></td>
            <td><input aria-label=${`Calls per minute ${i + 1}`} type="number" min="1" step="1" value=${r.rpm} onInput=${change(i, 'rpm')} placeholder="no limit" /></td>
            <td><button type="button" onClick=${() => setRows(rows.filter((_, j) => j !== i))} aria-label=${`Remove rule ${i + 1}`}>Remove</button></td>
          </tr>`,
        )}</tbody></table>`
          : html`<p class="empty">No tool rules: every tool is allowed, without a per-tool limit.</p>`
      }
      <label class="field"><span>Narrowed arguments (JSON, optional)</span>
        <textarea name="tool_args" rows="3" value=${args} onInput=${(e) => setArgs(e.target.value)} placeholder='{"github__*": {"read_only": {"const": true}}}'></textarea></label>
      <div class="buttons">
        <button type="button" onClick=${() => setRows([...rows, { pattern: '', effect: 'allow', rpm: '' }])}>Add tool rule</button>
        <button type="submit">Save tool rules</button>
        <${Message} message=${message} />
      </div>
    </form>
  </details>`;
}

function ListField({ label, name, value, disabled, onInput }) {
  return html`<label class="field"><span>${label}</span>
    <textarea name=${name} rows="3" cols="32" disabled=${disabled} value=${value} onInput=${(e) => onInput(e.target.value)}></textarea></label>`;
}

function Message({ message }) {
  if (!message) return null;
  return message.error
    ? html`<span class="error" role="alert">${message.error}</span>`
    : html`<span role="status">${message.ok}</span>`;
}
