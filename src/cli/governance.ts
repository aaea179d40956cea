// gatehouse keys | teams | users | secrets | audit: thin commands over the admin API.
import { adminCall, adminOptions, adminRequest, adminOptionsHelp, list, pairs } from './admin-client.ts';
import type { Command } from './command.ts';

const defined = (fields: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));

const rulesOptions = {
  budget: { type: 'string' },
  period: { type: 'string' },
  'soft-threshold': { type: 'string' },
  rpm: { type: 'string' },
  tpm: { type: 'string' },
  concurrency: { type: 'string' },
} as const;

const rulesHelp = `Budget and limits (create):
      --budget USD [--period day|week|month|total] [--soft-threshold 0.8]   (period default: month)
      --rpm N  --tpm N  --concurrency N`;

/** Not a number stays text, so the API names the field (NaN would be sent as null: "unset"). */
const number = (value: string | boolean | undefined) =>
  typeof value !== 'string' ? undefined : Number.isFinite(Number(value)) ? Number(value) : value;

const policyHelp = `Data policy (create):
      --log-bodies off|metadata|full   what the request log keeps of bodies (full: text, redacted first)`;

/** The budget and limits given as flags, in the admin API's shape (the API checks the values). */
function rulesFrom(values: Record<string, string | boolean | undefined>) {
  const budget =
    values.budget === undefined
      ? undefined
      : defined({
          usd: number(values.budget),
          period: values.period ?? 'month',
          soft_threshold: number(values['soft-threshold']),
        });
  const limits = defined({
    rpm: number(values.rpm),
    tpm: number(values.tpm),
    concurrency: number(values.concurrency),
  });
  return defined({ budget, limits: Object.keys(limits).length > 0 ? limits : undefined });
}

/** `spend ID`: settled spend and remaining budget of a key, team or user. */
function spend(values: Record<string, string | boolean | undefined>, collection: string, id: string) {
  return adminCall(values, 'GET', `/admin/${collection}/${encodeURIComponent(id)}/spend`);
}

export const keysCommand: Command = {
  usage: `Usage:
  gatehouse keys create --name NAME --team TEAM [--user USER] [--models a,b*] [--expires-at ISO] [--metadata k=v,…]
  gatehouse keys list [--team TEAM]
  gatehouse keys revoke KEY_ID
  gatehouse keys rotate KEY_ID [--overlap SECONDS]   (default 3600: the old key works that much longer)
  gatehouse keys spend KEY_ID

The key is printed once, at create and rotate; only its hash is stored.

${rulesHelp}

${policyHelp}   (a key's setting overrides its team's)

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
    'log-bodies': { type: 'string' },
    ...rulesOptions,
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
            log_bodies: values['log-bodies'],
            ...rulesFrom(values),
          }),
        );
      case 'spend':
        if (id) return spend(values, 'keys', id);
        break;
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
  gatehouse teams spend TEAM

${rulesHelp}

${policyHelp}
      --retention-days N               request events older than this are deleted
      --region NAME                    pin to a data-residency region (a key of regions in the config)

${adminOptionsHelp}`,
  options: {
    ...adminOptions,
    name: { type: 'string' },
    models: { type: 'string' },
    metadata: { type: 'string' },
    'log-bodies': { type: 'string' },
    'retention-days': { type: 'string' },
    region: { type: 'string' },
    ...rulesOptions,
  },
  async run(values, [action, id]) {
    if (action === 'create') {
      return adminCall(
        values,
        'POST',
        '/admin/teams',
        defined({
          name: values.name,
          models: list(values.models),
          metadata: pairs(values.metadata),
          log_bodies: values['log-bodies'],
          retention_days: number(values['retention-days']),
          region: values.region,
          ...rulesFrom(values),
        }),
      );
    }
    if (action === 'list') return adminCall(values, 'GET', '/admin/teams');
    if (action === 'spend' && id) return spend(values, 'teams', id);
    console.error(this.usage);
    return 2;
  },
};

export const usersCommand: Command = {
  usage: `Usage:
  gatehouse users create --name NAME [--email EMAIL] [--teams a,b] [--models a,b*] [--metadata k=v,…]
  gatehouse users list
  gatehouse users spend USER

${rulesHelp}

${adminOptionsHelp}`,
  options: {
    ...adminOptions,
    name: { type: 'string' },
    email: { type: 'string' },
    teams: { type: 'string' },
    models: { type: 'string' },
    metadata: { type: 'string' },
    ...rulesOptions,
  },
  async run(values, [action, id]) {
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
          ...rulesFrom(values),
        }),
      );
    }
    if (action === 'list') return adminCall(values, 'GET', '/admin/users');
    if (action === 'spend' && id) return spend(values, 'users', id);
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

export const secretsCommand: Command = {
  usage: `Usage:
  gatehouse secrets set NAME      read the value from standard input (keeps it out of shell history)
  gatehouse secrets list          names and dates, never values
  gatehouse secrets delete NAME

Refer to a stored secret in gatehouse.yaml as api_key: "secret:NAME".

${adminOptionsHelp}`,
  options: { ...adminOptions },
  async run(values, [action, name]) {
    if (action === 'list') return adminCall(values, 'GET', '/admin/secrets');
    if (action === 'delete' && name)
      return adminCall(values, 'DELETE', `/admin/secrets/${encodeURIComponent(name)}`);
    if (action === 'set' && name) {
      let value = '';
      for await (const chunk of process.stdin) value += chunk;
      return adminCall(values, 'PUT', `/admin/secrets/${encodeURIComponent(name)}`, {
        value: value.replace(/\r?\n$/, ''),
      });
    }
    console.error(this.usage);
    return 2;
  },
};
