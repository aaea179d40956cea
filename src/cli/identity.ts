// gatehouse teams | users | keys: every admin action on the three owners of keys, budgets and limits.
// The three groups share their shape, so they are built from one description each.
import { AdminClient, AdminError, list, pairs, segment } from './admin-client.ts';
import { type Action, type Flag, type Flags, type Group, UsageError, type Values } from './command.ts';
import {
  adminSections as common,
  listQuery,
  pagingFlags,
  printDeleted,
  printList,
  printObject,
  showAnswer,
} from './output.ts';
import { defined, number, ruleFlags, rulesAtCreate, ruleUnsetNames, updateRules } from './rules.ts';

/** A flag that sets one field of the object; `unset` is what `--unset NAME` sends (absent: not unsettable). */
interface FieldFlag extends Flag {
  field: string;
  parse?: (value: string | boolean | undefined) => unknown;
  unset?: null | [] | Record<string, never>;
  /** Given only at create (a key's team cannot change). */
  createOnly?: boolean;
}

interface Owner {
  collection: 'teams' | 'users' | 'keys';
  singular: string;
  ref: string;
  summary: string;
  details?: string;
  fields: Record<string, FieldFlag>;
  required: string[];
  columns: string[];
  /** Columns a person reads that the API does not send (computed from a row, table only). */
  tableRow?: (row: Record<string, unknown>) => Record<string, unknown>;
  listFilters?: Flags;
  /** Actions only this owner has (keys: rotate, revoke). */
  extra?: (common: CommonSections) => Action[];
}

type CommonSections = typeof common;

const modelsFlag: FieldFlag = {
  type: 'string',
  value: 'a,b*',
  help: 'models it may use, names or globs (unset: no restriction of its own)',
  field: 'models',
  parse: list,
  unset: null,
};
const metadataFlag: FieldFlag = {
  type: 'string',
  value: 'k=v,…',
  help: 'labels of your own (replaces them all)',
  field: 'metadata',
  parse: pairs,
  unset: {},
};
const logBodiesFlag: FieldFlag = {
  type: 'string',
  value: 'MODE',
  help: 'off, metadata or full: what the request log keeps of bodies',
  field: 'log_bodies',
  unset: null,
};

const unsetFlag = (names: string[]): Flags => ({
  unset: { type: 'string', value: 'a,b', help: `clear these: ${names.join(', ')}` },
});

function body(owner: Owner, values: Values, creating: boolean): Record<string, unknown> {
  return defined(
    Object.fromEntries(
      Object.entries(owner.fields)
        .filter(([, f]) => creating || !f.createOnly)
        .map(([name, f]) => [
          f.field,
          values[name] === undefined ? undefined : (f.parse ?? String)(values[name]),
        ]),
    ),
  );
}

function ownerActions(owner: Owner): Action[] {
  const { collection, singular, ref } = owner;
  const base = `/admin/${collection}`;
  const at = (id: string) => `${base}/${segment(id)}`;
  const updatable = Object.entries(owner.fields).filter(([, f]) => !f.createOnly);
  const unsettable = [
    ...updatable.filter(([, f]) => f.unset !== undefined).map(([n]) => n),
    ...ruleUnsetNames,
  ];
  const renameFlag: Flag = { type: 'string', value: 'NAME', help: 'rename (the id stays)' };

  return [
    {
      name: 'list',
      summary: `List ${collection} (a table; --json for the API's JSON)`,
      flags: { ...owner.listFilters, ...pagingFlags },
      sections: common,
      async run(values) {
        const query = listQuery(values, Object.keys(owner.listFilters ?? {}));
        const page = await new AdminClient(values).list(base, query, Boolean(values.all));
        const rows = values.json || !owner.tableRow ? page : { ...page, data: page.data.map(owner.tableRow) };
        printList(values, rows, owner.columns);
        return 0;
      },
    },
    {
      name: 'get',
      summary: `Show one ${singular}`,
      args: [ref],
      sections: common,
      run: showAnswer((client, [id]) => client.request('GET', at(id!))),
    },
    {
      name: 'create',
      summary: `Create a ${singular}`,
      flags: { ...owner.fields, ...ruleFlags },
      required: owner.required,
      details: owner.details,
      sections: common,
      async run(values) {
        const created = await new AdminClient(values).request<Record<string, unknown>>('POST', base, {
          ...body(owner, values, true),
          ...rulesAtCreate(values),
        });
        // The secret first: it is what the person came for, and it is not shown again.
        printObject(values, values.json || !('key' in created) ? created : { key: created.key, ...created });
        if (collection === 'keys' && !values.json)
          console.error('The key is shown only now: store it. Lists and lookups show its prefix.');
        return 0;
      },
    },
    {
      name: 'update',
      summary: `Change a ${singular}: its fields, budget and limits (only what is given changes)`,
      args: [ref],
      flags: {
        ...Object.fromEntries(updatable),
        name: renameFlag,
        ...ruleFlags,
        ...unsetFlag(unsettable),
      },
      sections: common,
      async run(values, [id]) {
        const client = new AdminClient(values);
        const unset = list(values.unset) ?? [];
        const wrong = unset.filter((n) => !unsettable.includes(n));
        if (wrong.length > 0)
          throw new UsageError(`--unset takes ${unsettable.join(', ')}; not ${wrong.join(', ')}.`);
        const changes = body(owner, values, false);
        for (const name of unset) {
          const f = owner.fields[name];
          if (f) changes[f.field] = f.unset;
        }
        let object: Record<string, unknown> | undefined;
        if (Object.keys(changes).length > 0) object = await client.request('PATCH', at(id!), changes);
        // A rename changes the name the rules are found under; the id does not change.
        const rules = await updateRules(
          client,
          collection,
          (object?.id as string | undefined) ?? id!,
          values,
          unset,
        );
        if (!object && !rules)
          throw new UsageError(`nothing to change: give at least one option (see --help).`);
        object ??= await client.request('GET', at(id!));
        printObject(values, rules ? { ...object, rules } : object);
        return 0;
      },
    },
    {
      name: 'delete',
      summary:
        collection === 'keys'
          ? 'Delete a key: it is revoked at once, its history kept'
          : `Delete a ${singular} (one with keys needs --cascade)`,
      args: [ref],
      flags:
        collection === 'keys'
          ? {}
          : {
              cascade: {
                type: 'boolean',
                help: `also delete the ${singular}'s keys (revoked, history kept)`,
              },
            },
      sections: common,
      async run(values, [id]) {
        const result = await new AdminClient(values)
          .request('DELETE', `${at(id!)}${values.cascade ? '?cascade=true' : ''}`)
          .catch((err: unknown) => {
            if (err instanceof AdminError && err.status === 409 && collection !== 'keys')
              err.message = `${err.message.replace(/\.?$/, '.')} With the CLI: add --cascade.`;
            throw err;
          });
        printDeleted(values, singular, id!, result);
        return 0;
      },
    },
    {
      name: 'rules',
      summary: `Show the models, tools, budget and limits set on a ${singular} (change them with update)`,
      args: [ref],
      sections: common,
      async run(values, [id]) {
        const client = new AdminClient(values);
        const object = await client.request<Record<string, unknown>>('GET', at(id!));
        const rules = await client.request<Record<string, unknown>>('GET', `${at(id!)}/rules`);
        printObject(values, { models: object.models ?? null, ...rules });
        return 0;
      },
    },
    {
      name: 'spend',
      summary: `Spend of a ${singular} in a period, and what remains of its budget if it has one`,
      args: [ref],
      flags: {
        period: {
          type: 'string',
          value: 'PERIOD',
          help: "day, week, month or total (default: the budget's, else month)",
        },
      },
      sections: common,
      run: showAnswer((client, [id], values) => {
        const query = listQuery(values, ['period']).toString();
        return client.request('GET', `${at(id!)}/spend${query ? `?${query}` : ''}`);
      }),
    },
    ...(owner.extra?.(common) ?? []),
  ];
}

const nameFlag = (what: string): FieldFlag => ({ type: 'string', value: 'NAME', help: what, field: 'name' });

const teams: Owner = {
  collection: 'teams',
  singular: 'team',
  ref: 'TEAM',
  summary: 'Teams own keys; their models, budget, limits and data policy apply to every key in them.',
  fields: {
    name: nameFlag('unique name'),
    models: modelsFlag,
    metadata: metadataFlag,
    'log-bodies': logBodiesFlag,
    'retention-days': {
      type: 'string',
      value: 'N',
      help: 'request events older than this are deleted',
      field: 'retention_days',
      parse: number,
      unset: null,
    },
    region: {
      type: 'string',
      value: 'NAME',
      help: 'pin to a data-residency region (a key of regions in the config)',
      field: 'region',
      unset: null,
    },
  },
  required: ['name'],
  columns: ['id', 'name', 'models', 'log_bodies', 'region', 'created_at'],
};

const users: Owner = {
  collection: 'users',
  singular: 'user',
  ref: 'USER',
  summary: 'Users are people (or services) that keys may belong to, members of teams.',
  fields: {
    name: nameFlag('unique name'),
    email: { type: 'string', value: 'EMAIL', help: 'contact address', field: 'email', unset: null },
    teams: {
      type: 'string',
      value: 'a,b',
      help: 'teams the user belongs to (at update: replaces the membership)',
      field: 'teams',
      parse: list,
      unset: [],
    },
    models: modelsFlag,
    metadata: metadataFlag,
  },
  required: ['name'],
  columns: ['id', 'name', 'email', 'teams', 'models', 'created_at'],
  listFilters: { team: { type: 'string', value: 'TEAM', help: "only this team's members (id or name)" } },
};

/** What a key can do now: active, expired, revoked or deleted (the last of these that applies). */
function keyStatus(key: Record<string, unknown>): string {
  if (key.deleted_at) return 'deleted';
  if (key.revoked_at && Date.parse(key.revoked_at as string) <= Date.now()) return 'revoked';
  if (key.expires_at && Date.parse(key.expires_at as string) <= Date.now()) return 'expired';
  return 'active';
}

const keys: Owner = {
  collection: 'keys',
  singular: 'key',
  ref: 'KEY',
  summary: 'Virtual keys (gh-…) that callers present; the secret is printed once, at create and rotate.',
  details: "A key's --log-bodies overrides its team's.",
  fields: {
    name: nameFlag('name, unique within its team'),
    team: {
      type: 'string',
      value: 'TEAM',
      help: 'the team it belongs to (id or name)',
      field: 'team',
      createOnly: true,
    },
    user: {
      type: 'string',
      value: 'USER',
      help: 'the user it belongs to (id or name)',
      field: 'user',
      createOnly: true,
    },
    models: modelsFlag,
    metadata: metadataFlag,
    'expires-at': {
      type: 'string',
      value: 'ISO',
      help: 'when it stops working, e.g. 2027-01-01T00:00:00Z',
      field: 'expires_at',
      unset: null,
    },
    'log-bodies': logBodiesFlag,
  },
  required: ['name', 'team'],
  columns: ['id', 'name', 'prefix', 'team', 'user', 'models', 'status', 'expires_at'],
  tableRow: (row) => ({ ...row, status: keyStatus(row) }),
  listFilters: {
    team: { type: 'string', value: 'TEAM', help: "only this team's keys (id or name)" },
    user: { type: 'string', value: 'USER', help: "only this user's keys (id or name)" },
    'include-deleted': { type: 'boolean', help: 'list deleted keys too' },
  },
  extra: (sections) => [
    {
      name: 'rotate',
      summary: 'Issue a new secret for the key (same id, rules and spend); prints it once',
      args: ['KEY'],
      flags: {
        overlap: {
          type: 'string',
          value: 'SECONDS',
          help: 'how long the old secret keeps working (default 3600)',
        },
      },
      sections,
      async run(values, [id]) {
        const rotated = await new AdminClient(values).request<Record<string, unknown>>(
          'POST',
          `/admin/keys/${segment(id!)}/rotate`,
          values.overlap === undefined ? {} : { overlap_seconds: number(values.overlap) },
        );
        printObject(values, values.json ? rotated : { key: rotated.key, ...rotated });
        return 0;
      },
    },
    {
      name: 'revoke',
      summary: 'Revoke the key at once (kept, with its history; same as delete)',
      args: ['KEY'],
      sections,
      run: showAnswer((client, [id]) => client.request('POST', `/admin/keys/${segment(id!)}/revoke`)),
    },
  ],
};

export const identityGroups: Group[] = [teams, users, keys].map((owner) => ({
  name: owner.collection,
  summary: owner.summary,
  details: owner.details,
  actions: ownerActions(owner),
}));
