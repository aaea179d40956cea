// `auth:` — console sessions, and OIDC issuers for signing in (authorization code with PKCE) and
// for calling with their tokens (the admin API and the data plane). docs/sso.md explains each field.
import { z } from 'zod';
import { configName, httpUrl } from '../providers/config.ts';

const role = z.enum(['admin', 'team_admin', 'viewer']);

export const oidcIssuerSchema = z.strictObject({
  issuer: httpUrl.describe('The issuer URL; its /.well-known/openid-configuration is read at start.'),
  client_id: z.string().min(1),
  client_secret: z
    .string()
    .min(1)
    .optional()
    .describe('For the console sign-in (write it as ${ENV_VAR}); not needed to accept tokens only.'),
  token_endpoint_auth: z
    .enum(['client_secret_basic', 'client_secret_post'])
    .default('client_secret_basic')
    .describe('How the client secret is sent to the token endpoint.'),
  label: z.string().min(1).max(100).optional().describe('The sign-in button (default: the name).'),
  scopes: z.array(z.string().min(1)).default(['openid', 'email', 'profile']),
  audience: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .optional()
    .describe('Accepted `aud` of bearer tokens (default: client_id).'),
  claims: z
    .strictObject({
      user: z.string().min(1).default('email').describe('The claim naming the user.'),
      teams: z.string().min(1).default('groups').describe('The claim listing the teams (string or array).'),
      role: z.string().min(1).default('gatehouse_role').describe('The claim whose values role_map maps.'),
    })
    .prefault({}),
  role_map: z
    .record(z.string(), role)
    .default({})
    .describe('Claim value → role; the highest mapped value wins.'),
  default_role: role.default('viewer').describe('The role when no value of the role claim is mapped.'),
  team_map: z
    .record(z.string(), z.string().min(1))
    .optional()
    .describe(
      'Claim value → team name; when set, unmapped values are ignored. Unset: values are team names.',
    ),
  auto_provision: z
    .boolean()
    .default(false)
    .describe('Creates teams and users on first sight (otherwise unknown teams are ignored).'),
  data_plane: z
    .boolean()
    .default(true)
    .describe("Model calls may carry this issuer's tokens instead of a key."),
  jwks_cooldown_s: z
    .number()
    .min(0)
    .max(3600)
    .default(30)
    .describe('A token signed by an unknown key refetches the JWKS at most this often (key rotation).'),
});

export const authSchema = z.strictObject({
  session_ttl_h: z
    .number()
    .gt(0)
    .max(24 * 90)
    .default(12)
    .describe('How long a console sign-in lasts.'),
  public_url: httpUrl
    .optional()
    .describe("The gateway's address as browsers reach it; the OIDC redirect URI is built on it."),
  oidc: z.record(configName, oidcIssuerSchema).default({}),
});

export type AuthConfig = z.output<typeof authSchema>;
export type OidcIssuerConfig = z.output<typeof oidcIssuerSchema>;
