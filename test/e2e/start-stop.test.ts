// `gatehouse start` as a service: every start-up failure is one sentence and an exit code (the
// stack only with --debug), the banner says what runs where, and stopping npm stops the gateway.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runGatehouse, startGatehouse } from '../helpers/cli.ts';
import { until } from '../helpers/until.ts';

const freshDir = () => mkdtempSync(join(tmpdir(), 'gatehouse-start-'));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** One line of text, no stack frames: what a person should see on a failed start. */
function assertOneSentence(stderr: string, pattern: RegExp): void {
  const [first, ...rest] = stderr.trim().split('\n');
  assert.match(first!, pattern);
  assert.doesNotMatch(stderr, /^\s+at /m, `no stack trace:\n${stderr}`);
  assert.deepEqual(rest, ['(run with --debug for the details)']);
}

test('a port in use is one sentence and exit 1; --debug adds the stack', async () => {
  const holder = createServer().listen(0, '127.0.0.1');
  await once(holder, 'listening');
  const port = String((holder.address() as AddressInfo).port);
  try {
    const cwd = freshDir();
    const plain = runGatehouse(['start', '--port', port], { cwd, env: { GATEHOUSE_MASTER_KEY: 'k' } });
    assert.equal(plain.code, 1);
    assertOneSentence(
      plain.stderr,
      new RegExp(
        `^gatehouse: Port ${port} on 127\\.0\\.0\\.1 is already in use .*--port or GATEHOUSE_PORT\\.$`,
      ),
    );
    const debug = runGatehouse(['start', '--port', port, '--debug'], {
      cwd,
      env: { GATEHOUSE_MASTER_KEY: 'k' },
    });
    assert.equal(debug.code, 1);
    assert.match(debug.stderr, /^\s+at .*startup\.ts/m);
  } finally {
    holder.close();
  }
});

test('an unreachable database, an unreachable Redis and a missing master key are each one sentence', async () => {
  // A port nothing listens on: taken and released.
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const closedPort = (probe.address() as AddressInfo).port;
  probe.close();
  const cwd = freshDir();
  const database = runGatehouse(['start', '--port', '0'], {
    cwd,
    env: {
      GATEHOUSE_MASTER_KEY: 'k',
      GATEHOUSE_DATABASE_URL: `postgres://app:hunter2@127.0.0.1:${closedPort}/gh`,
    },
  });
  assert.equal(database.code, 1);
  assertOneSentence(
    database.stderr,
    new RegExp(
      `^gatehouse: Cannot open the store \\(PostgreSQL 127\\.0\\.0\\.1:${closedPort}/gh\\): the connection was refused`,
    ),
  );
  assert.doesNotMatch(database.stderr, /hunter2/, 'the password is never printed');

  const redis = runGatehouse(['start', '--port', '0'], {
    cwd,
    env: { GATEHOUSE_MASTER_KEY: 'k', GATEHOUSE_REDIS_URL: `redis://:hunter2@127.0.0.1:${closedPort}` },
  });
  assert.equal(redis.code, 1);
  assertOneSentence(
    redis.stderr,
    new RegExp(`^gatehouse: Cannot reach Redis 127\\.0\\.0\\.1:${closedPort}: the connection was refused`),
  );
  assert.doesNotMatch(redis.stderr, /hunter2|ioredis/);

  const masterKey = runGatehouse(['start', '--port', '0'], {
    cwd,
    env: { GATEHOUSE_MASTER_KEY: '', GATEHOUSE_DATABASE_URL: `postgres://app@127.0.0.1:${closedPort}/gh` },
  });
  assert.equal(masterKey.code, 1);
  assertOneSentence(
    masterKey.stderr,
    /^gatehouse: GATEHOUSE_MASTER_KEY is not set: with PostgreSQL every replica must share one master key/,
  );

  const level = runGatehouse(['start', '--port', '0'], { cwd, env: { GATEHOUSE_LOG_LEVEL: 'loud' } });
  assert.equal(level.code, 1);
  assert.match(
    level.stderr,
    /^gatehouse: could not start: GATEHOUSE_LOG_LEVEL must be one of .*; it was "loud"\.$/m,
  );
});

test('the banner, as JSON lines off a terminal, names the address bound, the config, the store and the master key', async () => {
  const cwd = freshDir();
  writeFileSync(join(cwd, 'empty.yaml'), '{}\n');
  const gh = await startGatehouse(['--config', 'empty.yaml'], { cwd, env: { GATEHOUSE_MASTER_KEY: 'k' } });
  try {
    const entries = gh
      .output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const byEvent = new Map(entries.map((e) => [e.event, e]));
    const listening = byEvent.get('listening')!;
    assert.equal(listening.address, '127.0.0.1', 'the default host is the loopback');
    assert.match(
      String(listening.msg),
      /^Gatehouse \d+\.\d+\.\d+ listening on http:\/\/127\.0\.0\.1:\d+ \(this machine only/,
    );
    assert.equal(byEvent.get('config')!.config_file, 'empty.yaml');
    assert.equal(byEvent.get('store')!.msg, 'Store: SQLite ./.gatehouse/gatehouse.db');
    assert.equal(byEvent.get('redis')!.redis, null);
    assert.match(
      String(byEvent.get('master_key')!.msg),
      /Master key: in the GATEHOUSE_MASTER_KEY environment variable/,
    );
    assert.match(
      String(byEvent.get('console')!.msg),
      /Console: http:\/\/127\.0\.0\.1:\d+\/ui \(sign in with the master key\); the admin API is at http:\/\/127\.0\.0\.1:\d+\/admin\//,
    );
    const warning = entries.find((e) => e.level === 'warn')!;
    assert.match(
      String(warning.msg),
      /^empty\.yaml configures no providers, so every model request will fail/,
    );
  } finally {
    gh.process.kill('SIGTERM');
    assert.equal(await gh.exited, 0);
  }
  assert.match(gh.output(), /"msg":"SIGTERM received: finishing in-flight requests, then exiting\."/);
  assert.match(gh.output(), /"msg":"Gatehouse stopped\."/);
});

test('--host 0.0.0.0 is said as every interface', async () => {
  const gh = await startGatehouse(['--host', '0.0.0.0'], {
    cwd: freshDir(),
    env: { GATEHOUSE_MASTER_KEY: 'k' },
  });
  try {
    assert.match(
      gh.output(),
      /listening on http:\/\/0\.0\.0\.0:\d+ \(every interface of this machine, port \d+; locally http:\/\/127\.0\.0\.1:\d+\)/,
    );
  } finally {
    gh.process.kill('SIGKILL');
  }
});

test('stopping `npm start` (kill <npm pid>) stops the gateway too', async () => {
  const dir = freshDir();
  const npm = spawn('npm', ['start', '--silent', '--', '--port', '0'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      GATEHOUSE_MASTER_KEY: 'k',
      GATEHOUSE_CONFIG: '',
      GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'gatehouse.db')}`,
      GATEHOUSE_SPILL_DIR: join(dir, 'spill'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout.on('data', (chunk) => (output += chunk));
  npm.stderr.on('data', (chunk) => (output += chunk));
  try {
    assert.ok(await until(() => /listening on http:\/\/[^\s"]+/.test(output), 30_000), output);
    const url = /listening on (http:\/\/[^\s"]+)/.exec(output)![1]!;
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    npm.kill('SIGTERM');
    let stopped = false;
    for (let i = 0; i < 60 && !stopped; i++) {
      stopped = await fetch(`${url}/healthz`).then(
        () => false,
        () => true,
      );
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(stopped, `the gateway still answers after npm was stopped:\n${output}`);
  } finally {
    npm.kill('SIGKILL');
  }
});
