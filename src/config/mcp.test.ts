import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from './load.ts';

const problemsOf = (raw: unknown, env: Record<string, string> = {}) => {
  try {
    parseConfig(raw, 'test', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

test('mcp_servers: the three transports, with defaults and ${ENV} in headers', () => {
  const config = parseConfig(
    {
      mcp_servers: {
        github: {
          transport: 'http',
          url: 'https://mcp.example/mcp',
          headers: { Authorization: 'Bearer ${GH}' },
        },
        docs: { transport: 'sse', url: 'http://docs:8080/sse', timeouts: { call_ms: 5000 } },
        files: { transport: 'stdio', command: 'npx', approval: { required: ['write_*'] } },
      },
    },
    'test',
    { GH: 'token' },
  );
  const { github, files } = config.mcp_servers;
  assert.equal(github?.transport === 'http' && github.headers?.Authorization, 'Bearer token');
  assert.deepEqual(files?.transport === 'stdio' && files.args, []);
  assert.deepEqual(files?.approval, { required: ['write_*'], timeout_s: 300 });
});

test('mcp_servers: each bad value is named by its path', () => {
  const problems = (servers: unknown) => problemsOf({ mcp_servers: servers });
  assert.match(
    problems({ gh: { transport: 'websocket', url: 'ws://x' } })[0]!,
    /^mcp_servers\.gh\.transport: /,
  );
  assert.match(problems({ gh: { transport: 'http', url: 'ftp://x' } })[0]!, /^mcp_servers\.gh\.url: /);
  assert.match(problems({ gh: { transport: 'stdio' } })[0]!, /^mcp_servers\.gh\.command: /);
  assert.match(
    problems({ gh: { transport: 'http', url: 'http://x', colour: 1 } })[0]!,
    /^mcp_servers\.gh: .*colour/,
  );
  assert.match(
    problems({ gh: { transport: 'http', url: 'http://x', timeouts: { call_ms: -1 } } })[0]!,
    /^mcp_servers\.gh\.timeouts\.call_ms: /,
  );
  // `__` separates a server from its tools at /mcp.
  assert.match(
    problems({ git__hub: { transport: 'stdio', command: 'x' } })[0]!,
    /^mcp_servers\.git__hub: .*single _/,
  );
  assert.deepEqual(problemsOf({ mcp_servers: { gh: { transport: 'http', url: '${NOPE}' } } }), [
    'mcp_servers.gh.url: environment variable NOPE is not set',
  ]);
});
