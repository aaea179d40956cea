// `gatehouse init`: writes a starter gatehouse.yaml, from flags or by asking on stdin. The file it
// writes is checked with the same loader as `start` before it is kept.
import { existsSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { parse as parseYaml } from 'yaml';
import { ConfigError, parseConfig } from '../config/index.ts';
import type { Command } from './command.ts';

interface Preset {
  /** What the provider block says, besides its name. */
  block: (baseUrl: string) => string;
  model: string;
  /** For servers you run: where they usually listen. */
  baseUrl?: string;
  /** The environment variable holding its key, for the next-steps message. */
  keyVariable?: string;
}

const presets: Record<string, Preset> = {
  openai: {
    block: () => 'type: openai, api_key: "${OPENAI_API_KEY}"',
    model: 'gpt-4.1-mini',
    keyVariable: 'OPENAI_API_KEY',
  },
  anthropic: {
    block: () => 'type: anthropic, api_key: "${ANTHROPIC_API_KEY}"',
    model: 'claude-sonnet-4-5',
    keyVariable: 'ANTHROPIC_API_KEY',
  },
  gemini: {
    block: () => 'type: gemini, api_key: "${GEMINI_API_KEY}"',
    model: 'gemini-2.5-flash',
    keyVariable: 'GEMINI_API_KEY',
  },
  vllm: {
    block: (url) => `type: openai-compatible, base_url: "${url}"`,
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    baseUrl: 'http://127.0.0.1:8000/v1',
  },
  ollama: {
    block: (url) => `type: openai-compatible, base_url: "${url}"`,
    model: 'llama3.1',
    baseUrl: 'http://127.0.0.1:11434/v1',
  },
  tgi: {
    block: (url) => `type: openai-compatible, base_url: "${url}"`,
    model: 'tgi',
    baseUrl: 'http://127.0.0.1:8080/v1',
  },
  mock: { block: () => 'type: mock', model: 'mock-fast' },
};
const names = Object.keys(presets);

export interface InitChoices {
  providers: Array<{ name: string; model: string; baseUrl?: string }>;
  port: number;
}

export const initCommand: Command = {
  usage: `Usage: gatehouse init [--providers LIST] [--port N] [--file FILE] [--force]

Writes a starter configuration. Without --providers it asks on stdin (Enter takes the default).

Options:
      --providers LIST  comma-separated, in failover order: ${names.join(', ')}
      --port N          the port to serve on (default 4000)
      --file FILE       where to write (default gatehouse.yaml)
      --force           replace FILE if it exists

Examples:
  gatehouse init --providers openai,anthropic
  gatehouse init --providers vllm,openai --port 8080 --file gatehouse.yaml`,
  options: {
    providers: { type: 'string' },
    port: { type: 'string' },
    file: { type: 'string' },
    force: { type: 'boolean' },
  },
  async run(values) {
    const file = (values.file as string | undefined) ?? 'gatehouse.yaml';
    if (existsSync(file) && !values.force) {
      console.error(
        `gatehouse: ${file} already exists; use --force to replace it, or --file to write elsewhere.`,
      );
      return 1;
    }
    let choices: InitChoices;
    try {
      choices =
        values.providers !== undefined
          ? fromFlags(values.providers as string, values.port as string | undefined)
          : await ask();
    } catch (err) {
      console.error(`gatehouse: ${(err as Error).message}`);
      return 2;
    }
    const text = starterConfig(choices);
    try {
      // Checked as `start` will check it; the key variables need not be set yet.
      parseConfig(parseYaml(text), file, new Proxy({}, { get: () => 'set' }));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      console.error(
        `gatehouse: the starter configuration is not valid, so it was not written:\n${err.message}`,
      );
      return 1;
    }
    writeFileSync(file, text);
    const keys = choices.providers.flatMap((p) =>
      presets[p.name]!.keyVariable ? [presets[p.name]!.keyVariable!] : [],
    );
    console.log(`Wrote ${file} (${choices.providers.map((p) => p.name).join(', ')}; port ${choices.port}).`);
    if (keys.length > 0)
      console.log(
        `Set ${keys.join(', ')} in the environment (or store ${keys.length === 1 ? 'it' : 'them'} with gatehouse secrets).`,
      );
    console.log(`Then: npx gatehouse config check ${file} && npx gatehouse start --config ${file}`);
    return 0;
  },
};

function fromFlags(list: string, portText: string | undefined): InitChoices {
  const providers = list
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  if (providers.length === 0) throw new Error(`--providers needs at least one of ${names.join(', ')}.`);
  return {
    providers: providers.map((name) => {
      const preset = presetOf(name);
      return { name, model: preset.model, ...(preset.baseUrl ? { baseUrl: preset.baseUrl } : {}) };
    }),
    port: portOf(portText),
  };
}

/** Line by line from stdin, so that a script can answer as well as a person. */
async function ask(): Promise<InitChoices> {
  const terminal = process.stdin.isTTY === true;
  const lines = createInterface({ input: process.stdin, output: process.stdout, terminal });
  const answers = lines[Symbol.asyncIterator]();
  const question = async (text: string, fallback: string): Promise<string> => {
    process.stdout.write(`${text} [${fallback}]: `);
    const next = await answers.next();
    if (!terminal) process.stdout.write('\n');
    const answer = next.done ? '' : String(next.value).trim();
    return answer === '' ? fallback : answer;
  };
  try {
    const list = await question(`Providers, in failover order (${names.join(', ')})`, 'mock');
    const chosen = fromFlags(list, undefined).providers;
    for (const provider of chosen) {
      if (provider.baseUrl)
        provider.baseUrl = await question(`Where does ${provider.name} listen?`, provider.baseUrl);
      provider.model = await question(`Which ${provider.name} model?`, provider.model);
    }
    const port = portOf(await question('Port to serve on', '4000'));
    return { providers: chosen, port };
  } finally {
    lines.close();
  }
}

function presetOf(name: string): Preset {
  const preset = presets[name];
  if (!preset) throw new Error(`unknown provider "${name}"; choose from ${names.join(', ')}.`);
  return preset;
}

function portOf(text: string | undefined): number {
  if (text === undefined || text === '') return 4000;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`the port must be a whole number from 1 to 65535; it was "${text}".`);
  return port;
}

/** The file, with a comment on each part so that it teaches what it configures. */
export function starterConfig(choices: InitChoices): string {
  const out = [
    '# yaml-language-server: $schema=./gatehouse.schema.json',
    '# Written by `gatehouse init`. Secrets come from the environment ("${NAME}"), never from this file.',
    '# Every key: docs/configuration.md; a fuller example: gatehouse.example.yaml.',
    '',
    'server:',
    `  port: ${choices.port}`,
    '  # host: 0.0.0.0          # serve other machines too (default 127.0.0.1: this machine only)',
    '',
    'providers:',
  ];
  for (const p of choices.providers) out.push(`  ${p.name}: { ${presetOf(p.name).block(p.baseUrl ?? '')} }`);
  out.push(
    '',
    '# The names clients put in "model"; targets are tried in order (the next one on failure).',
    'models:',
  );
  for (const p of choices.providers)
    out.push(`  ${p.name}:`, `    targets: [{ provider: ${p.name}, model: ${JSON.stringify(p.model)} }]`);
  if (choices.providers.length > 1) {
    out.push(
      '  default:                # every provider above, failing over in the order given',
      '    targets:',
    );
    for (const p of choices.providers)
      out.push(`      - { provider: ${p.name}, model: ${JSON.stringify(p.model)} }`);
  }
  return `${out.join('\n')}\n`;
}
