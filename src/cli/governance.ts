// gatehouse keys | teams | users | audit: thin commands over the admin API.
import { adminCall, adminOptions, adminRequest, adminOptionsHelp, list, pairs } from './admin-client.ts';
import type { Command } from './command.ts';

const defined = (fields: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));

export const keysCommand: Command = {
  usage: `Usage:
  gatehouse keys create --name NAME --team TEAM [--user USER] [--models a,b*] [--expires-at ISO] [--metadata k=v,…]
  gatehouse keys list [--team TEAM]
  gatehouse keys revoke KEY_ID
  gatehouse keys rotate KEY_ID [--overlap SECONDS]   (default 3600: the old key works that much longer)

The key is printed once, at create and rotate; only its hash is stored.

${adminOptionsHelp}`,
  options: {
    ...adminOptions,
    name: { type: 'string' },
    team: { type: 'string' },
    user: { type: 'string' },
    models: { type: 'string' },
    'expires-at': { type: 'string' },
    metadata: { type: 'string' },
    overlap: { type: 'string' },
  },
  async run(values, [action, id]) {
    switch (action) {
      case 'create':
        return adminCall(
          values,
          'POST',
          '/admin/keys',
          defined({
            name: values.name,
            team: values.team,
            user: values.user,
            models: list(values.models),
            expires_at: values['expires-at'],
            metadata: pairs(values.metadata),
          }),
        );
      case 'list':
        return adminCall(
          values,
          'GET',
          `/admin/keys${values.team ? `?team=${encodeURIComponent(values.team as string)}` : ''}`,
        );
      case 'revoke':
        if (id) return adminCall(values, 'POST', `/admin/keys/${encodeURIComponent(id)}/revoke`);
        break;
      case 'rotate':
        if (id) {
          const body = values.overlap === undefined ? {} : { overlap_seconds: Number(values.overlap) };
          return adminCall(values, 'POST', `/admin/keys/${encodeURIComponent(id)}/rotate`, body);
        }
        break;
    }
    console.error(this.usage);
    return 2;
  },
};

export const teamsCommand: Command = {
  usage: `Usage:
  gatehouse teams create --name NAME [--models a,b*] [--metadata k=v,…]
  gatehouse teams list

${adminOptionsHelp}`,
  options: {
    ...adminOptions,
    name: { type: 'string' },
    models: { type: 'string' },
    metadata: { type: 'string' },
  },
  async run(values, [action]) {
    if (action === 'create') {
      return adminCall(
        values,
        'POST',
        '/admin/teams',
        defined({ name: values.name, models: list(values.models), metadata: pairs(values.metadata) }),
      );
    }
    if (action === 'list') return adminCall(values, 'GET', '/admin/teams');
    console.error(this.usage);
    return 2;
  },
};

export const usersCommand: Command = {
  usage: `Usage:
  gatehouse users create --name NAME [--email EMAIL] [--teams a,b] [--models a,b*] [--metadata k=v,…]
  gatehouse users list

${adminOptionsHelp}`,
  options: {
    ...adminOptions,
    name: { type: 'string' },
    email: { type: 'string' },
    teams: { type: 'string' },
    models: { type: 'string' },
    metadata: { type: 'string' },
  },
  async run(values, [action]) {
    if (action === 'create') {
      return adminCall(
        values,
        'POST',
        '/admin/users',
        defined({
          name: values.name,
          email: values.email,
          teams: list(values.teams),
          models: list(values.models),
          metadata: pairs(values.metadata),
        }),
      );
    }
    if (action === 'list') return adminCall(values, 'GET', '/admin/users');
    console.error(this.usage);
    return 2;
  },
};

export const auditCommand: Command = {
  usage: `Usage:
  gatehouse audit verify            check the hash chain; exit 1 naming the first altered or missing entry
  gatehouse audit list [--after N]  entries after sequence number N

${adminOptionsHelp}`,
  options: { ...adminOptions, after: { type: 'string' } },
  async run(values, [action]) {
    if (action === 'list')
      return adminCall(values, 'GET', `/admin/audit?after=${Number(values.after ?? 0) || 0}&limit=1000`);
    if (action === 'verify') {
      const result = await adminRequest(values, 'GET', '/admin/audit/verify');
      const verdict = result.body as { ok?: boolean; problem?: string } | undefined;
      if (result.code === 0 && verdict?.ok === false) {
        console.error(`gatehouse: the audit log is not intact: ${verdict.problem}`);
        return 1;
      }
      return result.code;
    }
    console.error(this.usage);
    return 2;
  },
};
