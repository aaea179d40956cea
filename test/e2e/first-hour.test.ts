// The files a newcomer opens first, and the commands that write and check a configuration, as a
// person runs them: the license matches the package, the example configuration is valid, and
// `gatehouse init` writes a file that `config check` accepts, from flags or from answers on stdin.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runGatehouse, runGatehouseAsync } from '../helpers/cli.ts';

const root = new URL('../../', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, root), 'utf8');
const freshDir = () => mkdtempSync(join(tmpdir(), 'gatehouse-first-hour-'));
const pkg = JSON.parse(read('package.json')) as { license: string; version: string };

test('LICENSE is the Apache License 2.0 that package.json declares; CHANGELOG.md names this version', () => {
  assert.equal(pkg.license, 'Apache-2.0');
  const license = read('LICENSE');
  assert.match(license, /Apache License\s+Version 2\.0, January 2004/);
  assert.match(license, /END OF TERMS AND CONDITIONS/);
  assert.match(read('CHANGELOG.md'), new RegExp(`^## ${pkg.version.replace(/\./g, '\\.')} `, 'm'));
});

test('gatehouse.example.yaml passes config check --strict, with cloud, vLLM, Ollama, TGI, failover and limits', () => {
  const env = {
    OPENAI_API_KEY: 'sk-example',
    ANTHROPIC_API_KEY: 'sk-ant-example',
    GEMINI_API_KEY: 'example',
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'example',
    AZURE_OPENAI_API_KEY: 'example',
  };
  const file = new URL('gatehouse.example.yaml', root).pathname;
  const check = runGatehouse(['config', 'check', file, '--strict'], { env });
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /valid \(9 providers, 5 models\)/);
  const text = read('gatehouse.example.yaml');
  for (const shown of [':8000/v1', ':11434/v1', ':8080/v1', 'type: anthropic', 'type: bedrock', 'limits:'])
    assert.ok(text.includes(shown), `the example shows ${shown}`);
  // Without the keys, the check names each missing variable by its path.
  const missing = runGatehouse(['config', 'check', file], { env: { OPENAI_API_KEY: '' } });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /providers\.openai\.api_key: environment variable OPENAI_API_KEY is not set/);
});

test('gatehouse init --providers writes a checked starter file and will not overwrite it', () => {
  const cwd = freshDir();
  const init = runGatehouse(['init', '--providers', 'ollama,openai', '--port', '8080'], { cwd });
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, /^Wrote gatehouse\.yaml \(ollama, openai; port 8080\)\.$/m);
  assert.match(init.stdout, /Set OPENAI_API_KEY in the environment/);
  const written = readFileSync(join(cwd, 'gatehouse.yaml'), 'utf8');
  assert.match(written, /ollama: \{ type: openai-compatible, base_url: "http:\/\/127\.0\.0\.1:11434\/v1" \}/);
  assert.match(written, /api_key: "\$\{OPENAI_API_KEY\}"/, 'the key is a reference, never a value');
  const check = runGatehouse(['config', 'check', 'gatehouse.yaml', '--strict'], {
    cwd,
    env: { OPENAI_API_KEY: 'sk-test' },
  });
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /valid \(2 providers, 3 models\)/);

  const again = runGatehouse(['init', '--providers', 'mock'], { cwd });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /gatehouse\.yaml already exists; use --force/);
  assert.equal(runGatehouse(['init', '--providers', 'mock', '--force'], { cwd }).code, 0);
  const unknown = runGatehouse(['init', '--providers', 'opnai', '--file', 'other.yaml'], { cwd });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown provider "opnai"; choose from openai, /);
});

test('gatehouse init asks on stdin, and Enter takes each default', async () => {
  const cwd = freshDir();
  const file = join(cwd, 'asked.yaml');
  // Providers; vLLM's address (default); its model; the mock's model (default); the port.
  const answers = 'vllm, mock\n\nQwen/Qwen2.5-7B-Instruct\n\n4100\n';
  const init = await runGatehouseAsync(['init', '--file', file], { input: answers });
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, /Providers, in failover order .* \[mock\]: /);
  assert.match(init.stdout, /Where does vllm listen\? \[http:\/\/127\.0\.0\.1:8000\/v1\]: /);
  const written = readFileSync(file, 'utf8');
  assert.match(written, /port: 4100/);
  assert.match(written, /model: "Qwen\/Qwen2\.5-7B-Instruct"/);
  assert.match(
    written,
    /default: .*\n {4}targets:\n {6}- \{ provider: vllm, .*\n {6}- \{ provider: mock, model: "mock-fast" \}/,
  );
  const check = runGatehouse(['config', 'check', file, '--strict']);
  assert.equal(check.code, 0, check.stderr);
});

test('an empty configuration is a warning for config check, and --strict refuses it', async () => {
  const cwd = freshDir();
  writeFileSync(join(cwd, 'empty.yaml'), '# nothing yet\n');
  const lenient = runGatehouse(['config', 'check', 'empty.yaml'], { cwd });
  assert.equal(lenient.code, 0);
  assert.match(
    lenient.stderr,
    /^warning: empty\.yaml configures no providers, so every model request will fail/m,
  );
  const strict = runGatehouse(['config', 'check', 'empty.yaml', '--strict'], { cwd });
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /^error: empty\.yaml configures no providers/m);
});
