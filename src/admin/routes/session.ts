// /admin/session: signing in to the console (with the master key, or an OIDC issuer), who is signed
// in, and signing out. The session lives in an HttpOnly cookie; changes made with it carry the
// csrf_token answered here in the x-csrf-token header.
import { z } from 'zod';
import { GatehouseError } from '../../core/errors/index.ts';
import {
  cookieHeader,
  type Identity,
  masterIdentity,
  readCookie,
  roles,
  sessionCookie,
} from '../../governance/index.ts';
import type { AdminDeps } from '../deps.ts';
import { type AdminHttp, defineRoute } from '../route.ts';

const identitySchema = z.object({
  kind: z.enum(['master', 'oidc']),
  name: z.string(),
  email: z.string().optional(),
  role: z.enum(roles),
  teams: z.array(z.string()).describe('Names of the teams the identity belongs to'),
  team_ids: z.array(z.string()).describe('The same teams by id'),
  provider: z.string().optional().describe('The OIDC issuer (its name in auth.oidc)'),
});

const sessionSchema = z.object({
  identity: identitySchema,
  csrf_token: z
    .string()
    .nullable()
    .describe('Send as x-csrf-token on changes made with the session cookie; null for a bearer caller'),
});

/** The OIDC flow's cookie: scoped to the callback's path, gone after ten minutes. */
const flowCookie = 'gh_oidc_flow';
const flowPath = '/admin/session/oidc';
const callbackPath = '/admin/session/oidc/callback';

async function signIn(deps: AdminDeps, http: AdminHttp, identity: Identity) {
  const { id, session } = await deps.sessions.create(identity);
  http.setCookie(cookieHeader(sessionCookie, id, { secure: http.secure, maxAgeS: deps.sessions.ttlSeconds }));
  return { identity, csrf_token: session.csrfToken };
}

/** Where the issuer sends the browser back: auth.public_url when set, else this request's origin. */
function redirectUri(deps: AdminDeps, http: AdminHttp): string {
  if (deps.publicUrl) return `${deps.publicUrl.replace(/\/+$/, '')}${callbackPath}`;
  const host = http.req.headers.host;
  if (!host || !/^[\w.:[\]-]+$/.test(host))
    throw new GatehouseError(
      'GH_INVALID_REQUEST',
      'The request has no usable Host header; set auth.public_url.',
    );
  return `${http.secure ? 'https' : 'http'}://${host}${callbackPath}`;
}

/** Only a path on this gateway: never another origin (`//host`, `/\host`, `https:`). */
export function safeReturnTo(value: string | undefined): string {
  if (value === undefined || value === '') return '/ui/';
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || /[\r\n]/.test(value))
    throw new GatehouseError('GH_INVALID_REQUEST', 'return_to: a path on this gateway, such as /ui/logs', {
      param: 'return_to',
    });
  return value;
}

function oidcOf(deps: AdminDeps) {
  if (!deps.oidc) throw new GatehouseError('GH_NOT_FOUND', 'No OIDC issuer is configured (auth.oidc).');
  return deps.oidc;
}

export const sessionRoutes = [
  defineRoute({
    method: 'POST',
    path: '/admin/session',
    summary: 'Sign in to the console with the master key; sets the gh_session cookie',
    access: 'public',
    body: z.strictObject({ master_key: z.string().min(1).max(1000) }),
    response: sessionSchema,
    handle: async ({ deps, http, body }) => {
      if (!deps.auth.isMaster(body.master_key))
        throw new GatehouseError('GH_UNAUTHENTICATED', 'That is not the master key.');
      return signIn(deps, http, masterIdentity);
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/admin/session',
    summary: 'Who is signed in (a session cookie or a bearer credential), with the CSRF token',
    access: 'signed_in',
    response: sessionSchema,
    handle: async ({ caller, session }) => ({ identity: caller!, csrf_token: session?.csrfToken ?? null }),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/admin/session',
    summary: 'Sign out: the session ends on every replica and its cookie is cleared',
    access: 'signed_in',
    status: 204,
    response: z.undefined(),
    handle: async ({ deps, http, session }) => {
      if (session) await deps.sessions.delete(session.id);
      http.setCookie(cookieHeader(sessionCookie, '', { secure: http.secure, maxAgeS: 0 }));
      return undefined;
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/admin/session/oidc/providers',
    summary: 'The configured OIDC issuers, for the sign-in page',
    access: 'public',
    response: z.array(z.object({ name: z.string(), label: z.string() })),
    handle: async ({ deps }) => deps.oidc?.providers() ?? [],
  }),
  defineRoute({
    method: 'GET',
    path: '/admin/session/oidc/start',
    summary: 'Starts signing in with an issuer: a redirect to its login (authorization code with PKCE)',
    access: 'public',
    status: 302,
    query: z.strictObject({
      provider: z.string().min(1).describe('The issuer, by its name in auth.oidc'),
      return_to: z.string().max(2000).optional().describe('A path on this gateway to land on (default /ui/)'),
    }),
    response: z.undefined(),
    handle: async ({ deps, http, query }) => {
      const returnTo = safeReturnTo(query.return_to);
      const { location, flow } = await oidcOf(deps).start(query.provider, redirectUri(deps, http), returnTo);
      http.setCookie(cookieHeader(flowCookie, flow, { secure: http.secure, maxAgeS: 600, path: flowPath }));
      http.redirect(location);
      return undefined;
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/admin/session/oidc/callback',
    summary: "The issuer's redirect back: redeems the code, checks the ID token, signs in, redirects",
    access: 'public',
    status: 302,
    query: z.looseObject({
      code: z.string().optional(),
      state: z.string().optional(),
      error: z.string().optional(),
      error_description: z.string().optional(),
      iss: z.string().optional(),
      session_state: z.string().optional(),
      scope: z.string().optional(),
    }),
    response: z.undefined(),
    handle: async ({ deps, http, query }) => {
      const flow = readCookie(http.req.headers, flowCookie);
      const { identity, returnTo } = await oidcOf(deps).finish(flow, query, redirectUri(deps, http));
      http.setCookie(cookieHeader(flowCookie, '', { secure: http.secure, maxAgeS: 0, path: flowPath }));
      await signIn(deps, http, identity);
      http.redirect(safeReturnTo(returnTo));
      return undefined;
    },
  }),
];
