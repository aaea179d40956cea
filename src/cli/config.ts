// gatehouse config check | schema: the configuration file, without a running gateway.
import { z } from 'zod';
import { ConfigError, configSchema, configWarnings, loadConfig } from '../config/index.ts';
import type { Group } from './command.ts';

export const configGroup: Group = {
  name: 'config',
  summary: 'Check gatehouse.yaml without starting, or print its JSON Schema.',
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
