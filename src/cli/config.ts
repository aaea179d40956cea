import { z } from 'zod';
import { ConfigError, configSchema, configWarnings, loadConfig } from '../config/index.ts';
import type { Command } from './command.ts';

export const configCommand: Command = {
  usage: `Usage:
  gatehouse config check FILE [--strict]
                                Validate FILE (with \${ENV} references expanded) and report every
                                problem; --strict also fails on warnings (a file with no providers)
  gatehouse config schema       Print the JSON Schema of gatehouse.yaml (for editor completion)`,
  options: { strict: { type: 'boolean' } },
  async run(values, positionals) {
    const [action, file] = positionals;
    if (action === 'schema') {
      console.log(JSON.stringify(configJsonSchema(), null, 2));
      return 0;
    }
    if (action === 'check' && file) {
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
    }
    console.error(this.usage);
    return 2;
  },
};

export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'Gatehouse configuration (gatehouse.yaml)',
  };
}
