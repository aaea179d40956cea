// gatehouse secrets | audit: provider credentials (names only ever shown) and the audit log.
import { AdminClient, AdminError, segment } from './admin-client.ts';
import type { Group } from './command.ts';
import {
  adminSections as common,
  listQuery,
  pagingFlags,
  printDeleted,
  printList,
  printObject,
  showAnswer,
} from './output.ts';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Value (then Enter and Ctrl-D): ');
  let value = '';
  for await (const chunk of process.stdin) value += chunk;
  return value.replace(/\r?\n$/, '');
}

export const secretsGroup: Group = {
  name: 'secrets',
  summary: 'Provider credentials, sealed at rest; no command ever prints a value.',
  details: 'Refer to a stored secret in gatehouse.yaml as api_key: "secret:NAME".',
  actions: [
    {
      name: 'list',
      summary: 'Names and dates, never values',
      flags: pagingFlags,
      sections: common,
      async run(values) {
        const page = await new AdminClient(values).list(
          '/admin/secrets',
          listQuery(values),
          Boolean(values.all),
        );
        printList(values, page, ['name', 'created_at', 'updated_at']);
        return 0;
      },
    },
    {
      name: 'get',
      summary: 'Show when a secret was stored and last changed (never its value)',
      args: ['NAME'],
      sections: common,
      run: showAnswer((client, [name]) => client.request('GET', `/admin/secrets/${segment(name!)}`)),
    },
    {
      name: 'set',
      summary: 'Store a secret, reading its value from standard input (keeps it out of shell history)',
      args: ['NAME'],
      sections: common,
      async run(values, [name]) {
        const value = await readStdin();
        if (value === '')
          throw new AdminError(
            'no value on standard input: pipe it in, e.g. printenv KEY | gatehouse secrets set NAME.',
          );
        printObject(
          values,
          await new AdminClient(values).request('PUT', `/admin/secrets/${segment(name!)}`, { value }),
        );
        return 0;
      },
    },
    {
      name: 'delete',
      summary: 'Delete a stored secret',
      args: ['NAME'],
      sections: common,
      async run(values, [name]) {
        const result = await new AdminClient(values).request('DELETE', `/admin/secrets/${segment(name!)}`);
        printDeleted(values, 'secret', name!, result);
        return 0;
      },
    },
  ],
};

export const auditGroup: Group = {
  name: 'audit',
  summary: 'The append-only, hash-chained log of every admin change.',
  actions: [
    {
      name: 'list',
      summary: 'Entries, oldest first',
      flags: {
        after: { type: 'string', value: 'SEQ', help: 'entries after this sequence number' },
        ...pagingFlags,
      },
      sections: common,
      async run(values) {
        const query = listQuery(values, ['after']);
        const page = await new AdminClient(values).list('/admin/audit', query, Boolean(values.all));
        printList(values, page, ['seq', 'at', 'actor', 'action', 'target_type', 'target_id']);
        return 0;
      },
    },
    {
      name: 'verify',
      summary: 'Check the hash chain; exit 1 naming the first altered or missing entry',
      sections: common,
      async run(values) {
        const verdict = await new AdminClient(values).request<{
          ok?: boolean;
          problem?: string;
          entries?: number;
        }>('GET', '/admin/audit/verify');
        if (values.json) console.log(JSON.stringify(verdict, null, 2));
        if (verdict.ok === false) {
          console.error(`gatehouse: the audit log is not intact: ${verdict.problem}`);
          return 1;
        }
        if (!values.json) console.log(`The audit log is intact (${verdict.entries} entries).`);
        return 0;
      },
    },
  ],
};
