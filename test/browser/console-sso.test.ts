// Single sign-on in the console, in a real browser: the OIDC button on the sign-in page goes through
// a local issuer's login form and back; a team_admin of alpha then sees alpha's keys and teams only,
// and asking the console for beta's gets the API's refusal on the page.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { artifacts, browserMissing, launchBrowser } from '../helpers/browser.ts';
import { TestIssuer } from '../helpers/oidc-issuer.ts';
import { startTeamAdminSso } from '../helpers/sso.ts';

describe('OIDC sign-in and team isolation in the console', { skip: browserMissing() }, () => {
  const issuer = new TestIssuer();
  let gateway: Gateway;
  let browser: Browser;
  let page: Page;
  const admin = adminClient(() => gateway);
  const ids = { alpha: '', beta: '' };

  before(async () => {
    gateway = await startTeamAdminSso(issuer);
    ids.alpha = (await admin('POST', '/admin/teams', { name: 'alpha' })).body.id;
    ids.beta = (await admin('POST', '/admin/teams', { name: 'beta' })).body.id;
    assert.equal((await admin('POST', '/admin/keys', { name: 'alpha-key', team: 'alpha' })).status, 201);
    assert.equal((await admin('POST', '/admin/keys', { name: 'beta-key', team: 'beta' })).status, 201);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  });
  after(async () => {
    await browser?.close();
    await gateway?.stop();
    await issuer.stop();
  });

  test("signing in through the issuer lands on the page asked for, as the issuer's user", async () => {
    await page.goto(`${gateway.url}/ui/keys`);
    const sso = page.getByRole('link', { name: 'Corp SSO' });
    await sso.waitFor();
    await page.screenshot({ path: `${artifacts}/signin-sso.png` });
    await sso.click();
    await page.locator('input[name="username"]').fill('ta');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Keys' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/ui/keys');
    await page.getByText('ta@example.com').waitFor();
    await page.getByText('team_admin').waitFor();
    const menu = page.getByRole('navigation', { name: 'Console' });
    await menu.getByRole('link', { name: 'Keys' }).waitFor();
    assert.equal(
      await menu.getByRole('link', { name: 'Audit log' }).count(),
      0,
      'admin-only pages are not offered',
    );
  });

  test("a team_admin of alpha sees alpha's keys and teams, and is refused beta's", async () => {
    await page.getByRole('row', { name: /alpha-key/ }).waitFor();
    assert.equal(await page.getByRole('row', { name: /beta-key/ }).count(), 0);
    await page.goto(`${gateway.url}/ui/teams`);
    await page.getByRole('heading', { name: 'alpha' }).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'beta' }).count(), 0);
    await page.goto(`${gateway.url}/ui/keys?team=${ids.beta}`);
    const refusal = page.getByRole('alert');
    await refusal.waitFor();
    assert.match((await refusal.textContent())!, /beta|team|not|forbidden|permission/i);
    await page.goto(`${gateway.url}/ui/logs?team=${ids.beta}&since=7d`);
    await page.getByRole('alert').waitFor();
    await page.screenshot({ path: `${artifacts}/team-admin-refused.png` });
  });
});
