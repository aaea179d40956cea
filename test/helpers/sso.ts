// A gateway whose console offers sign-in with a test issuer ("Corp SSO"), where the person `ta`
// (groups: alpha) is mapped to a team admin: what the console's single sign-on tests start from.
import type { Gateway } from '../../src/server/index.ts';
import { mockOnlyConfig, startTestGateway } from './gateway.ts';
import type { TestIssuer } from './oidc-issuer.ts';

export async function startTeamAdminSso(issuer: TestIssuer): Promise<Gateway> {
  await issuer.start();
  issuer.users.set('ta', {
    sub: 'ta',
    claims: { email: 'ta@example.com', groups: ['alpha'], gatehouse_role: 'team-admins' },
  });
  const gateway = await startTestGateway({
    ...mockOnlyConfig,
    auth: {
      oidc: {
        corp: {
          issuer: issuer.url,
          client_id: 'gatehouse',
          client_secret: 'corp-secret',
          label: 'Corp SSO',
          role_map: { 'team-admins': 'team_admin' },
        },
      },
    },
  });
  issuer.clients.set('gatehouse', {
    secret: 'corp-secret',
    redirectUris: [`${gateway.url}/admin/session/oidc/callback`],
  });
  return gateway;
}
