// The console's shell: the session, the menu built from pages/index.js, and the page for the URL.
import { api, html, Link, render, setCsrf, useEffect, useLocation, useState, whenSignedOut } from './lib.js';
import { pages } from './pages/index.js';
import { SignIn } from './signin.js';

function Shell() {
  const [session, setSession] = useState(undefined);
  const loc = useLocation();
  useEffect(() => {
    whenSignedOut(() => setSession(null));
    api('GET', '/admin/session').then(
      (s) => {
        setCsrf(s.csrf_token);
        setSession(s);
      },
      () => setSession(null),
    );
  }, []);
  useEffect(() => {
    document.getElementById('page-title')?.focus();
  }, [loc.path]);
  if (session === undefined) return html`<p class="loading">Loading…</p>`;
  if (session === null)
    return html`<${SignIn} onSignedIn=${(s) => {
      setCsrf(s.csrf_token);
      setSession(s);
    }} />`;
  const path = loc.path.replace(/\/+$/, '') || '/ui';
  // Pages whose data only an admin may read are left out of others' menus (the API refuses them anyway).
  const mine = pages.filter((p) => !p.adminOnly || session.identity.role === 'admin');
  const page = mine.find((p) => p.path === path);
  const signOut = async () => {
    await api('DELETE', '/admin/session').catch(() => {});
    setCsrf('');
    setSession(null);
  };
  const groups = [...new Set(mine.map((p) => p.group))];
  const who = session.identity;
  return html`<a class="skip" href="#main">Skip to content</a>
  <div class="layout">
    <nav aria-label="Console">
      <div class="brand">Gatehouse</div>
      ${groups.map(
        (g) => html`<div class="nav-group"><h2>${g}</h2><ul>${mine
          .filter((p) => p.group === g)
          .map(
            (p) => html`<li><${Link} href=${p.path} aria-current=${p.path === path ? 'page' : undefined}>${p.title}</${Link}></li>`,
          )}</ul></div>`,
      )}
      <div class="who">
        <span>${who.name}${who.email && who.email !== who.name ? html` <small>${who.email}</small>` : null}</span>
        <small class="muted">${who.role}</small>
        <button type="button" onClick=${signOut}>Sign out</button>
      </div>
    </nav>
    <main id="main">${page ? html`<${page.component} session=${session} />` : html`<section class="page"><h1 id="page-title" tabindex="-1">Not found</h1><p class="empty">No console page at ${loc.path}. <${Link} href="/ui">Go to the overview</${Link}>.</p></section>`}</main>
  </div>`;
}

render(html`<${Shell} />`, document.getElementById('root'));
