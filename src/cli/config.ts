// gatehouse config check | schema: the configuration file, without a running gateway; and
// gatehouse config versions | rollback: a running gateway's configuration versions (admin API).
import { z } from 'zod';
import { ConfigError, configSchema, configWarnings, loadConfig } from '../config/index.ts';
import { AdminClient, segment } from './admin-client.ts';
import type { Group } from './command.ts';
import { adminSections, listQuery, pagingFlags, printList, printObject } from './output.ts';

export const configGroup: Group = {
  name: 'config',
  summary:
    "Check gatehouse.yaml without starting, print its JSON Schema, or list and roll back a running gateway's versions.",
  actions: [
    {
      name: 'check',
      summary: 'Validate FILE (with ${ENV} references expanded) and report every problem',
      args: ['FILE'],
      flags: {
        strict: { type: 'boolean', help: 'fail on warnings too (a file with no providers or models)' },
      },
      async run(values, [file]) {
        try {
          const config = loadConfig(file);
          const models = Object.keys(config.models).length;
          const providers = Object.keys(config.providers).length;
          const warnings = configWarnings(config, file);
          for (const warning of warnings) console.error(`${values.strict ? 'error' : 'warning'}: ${warning}`);
          if (values.strict && warnings.length > 0) return 1;
          console.log(
            `${file}: valid (${providers} provider${providers === 1 ? '' : 's'}, ${models} model${models === 1 ? '' : 's'})`,
          );
          return 0;
        } catch (err) {
          if (err instanceof ConfigError) {
            console.error(err.message);
            return 1;
          }
          throw err;
        }
      },
    },
    {
      name: 'versions',
      summary: 'Configuration versions of the running gateway, newest first (--diff shows each change)',
      flags: {
        diff: { type: 'boolean', help: "print each version's line diff from the one before" },
        ...pagingFlags,
      },
      sections: adminSections,
      async run(values) {
        const page = await new AdminClient(values).list(
          '/admin/config/versions',
          listQuery(values),
          Boolean(values.all),
        );
        if (values.diff && !values.json) {
          for (const v of page.data as Array<Record<string, unknown>>) {
            console.log(`version ${v.id} ${v.hash} ${v.status} (${v.source}, ${v.actor}, ${v.created_at})`);
            if (v.note) console.log(`  ${String(v.note).replace(/\n/g, '\n  ')}`);
            console.log(v.diff ? `${v.diff}\n` : '  (no change)\n');
          }
          return 0;
        }
        printList(values, page, ['id', 'hash', 'created_at', 'source', 'actor', 'status']);
        return 0;
      },
    },
    {
      name: 'rollback',
      summary: "Serve an earlier version's text again (the database must be the source of truth)",
      args: ['ID'],
      sections: adminSections,
      async run(values, [id]) {
        const answer = await new AdminClient(values).request(
          'POST',
          `/admin/config/versions/${segment(id!)}/rollback`,
        );
        printObject(values, answer);
        return 0;
      },
    },
    {
      name: 'schema',
      summary: 'Print the JSON Schema of gatehouse.yaml (for editor completion)',
      async run() {
        console.log(JSON.stringify(configJsonSchema(), null, 2));
        return 0;
      },
    },
  ],
};

export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'Gatehouse configuration (gatehouse.yaml)',
  };
}
