// Budget and rate limits of a team, user or key: read, edit, save (PUT …/rules), with its spend bar;
// with `tools`, the tool rules read from the same answer are edited above them.
import { api, get, html, Loaded, money, SpendBar, useData, useState } from '../lib.js';
import { ToolRulesForm } from './access-rules.js';

export function RulesEditor({ collection, id, name, tools, onSaved }) {
  const base = `/admin/${collection}/${encodeURIComponent(id)}`;
  const state = useData(() => Promise.all([get(`${base}/rules`), get(`${base}/spend`)]), [id]);
  const saved = () => {
    state.reload();
    onSaved?.();
  };
  return html`<${Loaded} state=${state}>${([rules, spend]) =>
    html`${tools ? html`<${ToolRulesForm} base=${base} name=${name} rules=${rules} saved=${state.reload} />` : null}
      <${Form} base=${base} name=${name} rules=${rules} spend=${spend} saved=${saved} />`}</${Loaded}>`;
}

function Form({ base, name, rules, spend, saved }) {
  const [usd, setUsd] = useState(rules.budget?.usd ?? '');
  const [period, setPeriod] = useState(rules.budget?.period ?? 'month');
  const [rpm, setRpm] = useState(rules.limits?.rpm ?? '');
  const [tpm, setTpm] = useState(rules.limits?.tpm ?? '');
  const [message, setMessage] = useState('');
  const [failed, setFailed] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    // Concurrency has no field here; keep what the API holds rather than clear it.
    const limits = rules.limits?.concurrency ? { concurrency: rules.limits.concurrency } : {};
    if (rpm !== '') limits.rpm = Number(rpm);
    if (tpm !== '') limits.tpm = Number(tpm);
    try {
      await api('PUT', `${base}/rules`, {
        budget: usd === '' ? null : { usd: Number(usd), period },
        limits: Object.keys(limits).length ? limits : null,
      });
      setMessage('Saved.');
      saved();
    } catch (err) {
      setMessage(err.message);
      setFailed(true);
      return;
    }
    setFailed(false);
  };
  return html`<form class="rules" onSubmit=${submit} aria-label=${`Budget and limits of ${name}`}>
    ${spend.budget ? html`<${SpendBar} spent=${spend.spent_usd} limit=${spend.budget.usd} label=${`${name}: spend against budget`} />` : html`<small class="muted">Spent ${money(spend.spent_usd)} this ${spend.period}; no budget.</small>`}
    <label class="field"><span>Budget (USD)</span><input name="budget_usd" type="number" min="0" step="any" value=${usd} onInput=${(e) => setUsd(e.target.value)} /></label>
    <label class="field"><span>Per</span><select name="budget_period" value=${period} onChange=${(e) => setPeriod(e.target.value)}>
      ${['day', 'week', 'month', 'total'].map((p) => html`<option value=${p}>${p}</option>`)}</select></label>
    <label class="field"><span>Requests / min</span><input name="rpm" type="number" min="1" value=${rpm} onInput=${(e) => setRpm(e.target.value)} /></label>
    <label class="field"><span>Tokens / min</span><input name="tpm" type="number" min="1" value=${tpm} onInput=${(e) => setTpm(e.target.value)} /></label>
    <button type="submit">Save</button>
    ${message ? html`<span role=${failed ? 'alert' : 'status'} class=${failed ? 'error' : ''}>${message}</span>` : null}
  </form>`;
}
