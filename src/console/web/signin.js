// Sign-in: the master key (the first-run path) or one of the configured OIDC issuers.
import { api, html, qs, useEffect, useState } from './lib.js';

export function SignIn({ onSignedIn }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [providers, setProviders] = useState([]);
  useEffect(() => {
    document.title = 'Sign in · Gatehouse';
    api('GET', '/admin/session/oidc/providers').then(setProviders, () => setProviders([]));
  }, []);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onSignedIn(await api('POST', '/admin/session', { master_key: key }));
    } catch (err) {
      setError(err.status === 401 || err.status === 403 ? 'That is not the master key.' : err.message);
    } finally {
      setBusy(false);
    }
  };
  const returnTo = location.pathname + location.search;
  return html`<main class="signin" id="main">
    <h1>Gatehouse console</h1>
    <form onSubmit=${submit} aria-describedby=${error ? 'signin-error' : undefined}>
      <label class="field"><span>Master key</span>
        <input type="password" name="master_key" autocomplete="current-password" required value=${key}
          onInput=${(e) => setKey(e.target.value)} /></label>
      <small class="muted">Printed in the file named on the gateway's start line, or GATEHOUSE_MASTER_KEY.</small>
      ${error ? html`<p class="error" role="alert" id="signin-error">${error}</p>` : null}
      <button type="submit" class="primary" disabled=${busy}>Sign in</button>
    </form>
    ${providers.length > 0
      ? html`<div class="sso"><p>Or sign in with</p>${providers.map(
          (p) => html`<a class="button" href=${`/admin/session/oidc/start?${qs({ provider: p.name, return_to: returnTo })}`}>${p.label}</a>`,
        )}</div>`
      : null}
  </main>`;
}
