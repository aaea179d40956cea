// Tool-call latency through the MCP gateway against a direct call to the same MCP server.
//
//   node bench/mcp.ts [--calls 2000] [--rounds 5]
//
// Three processes, as deployed: an MCP server over Streamable HTTP (this file with --upstream), a
// gateway (`gatehouse start`, SQLite, request log on, metadata bodies) fronting it, and this
// process as the client — the SDK's Client, one session each way, calls one after another (c=1).
// Rounds alternate the two sides so that drift on a shared machine hits both alike. Prints the
// percentiles of each side and what the gateway adds.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

const { values } = parseArgs({
  options: {
    upstream: { type: 'boolean' },
    calls: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '5' },
  },
});

async function serveUpstream(): Promise<void> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const http = createServer(async (req, res) => {
    let body: unknown;
    if (req.method === 'POST') {
      let text = '';
      for await (const chunk of req) text += chunk;
      body = JSON.parse(text);
    }
    const id = req.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? transports.get(id) : undefined;
    if (!transport && isInitializeRequest(body)) {
      const server = new McpServer({ name: 'bench', version: '1.0.0' });
      server.registerTool(
        'echo',
        { description: 'Echoes.', inputSchema: { text: z.string() } },
        async (a) => ({
          content: [{ type: 'text', text: a.text }],
        }),
      );
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sid) => void transports.set(sid, created),
      });
      transport = created;
      await server.connect(created);
    }
    if (!transport) return void res.writeHead(400).end();
    await transport.handleRequest(req, res, body);
  });
  http.listen(0, '127.0.0.1', () => {
    console.log(`listening http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`);
  });
}

function started(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`did not start:\n${text}`)), 60_000);
    const onData = (chunk: Buffer) => {
      text += chunk;
      const match = pattern.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk) => (text += chunk));
    child.once('exit', () => reject(new Error(`exited:\n${text}`)));
  });
}

async function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

async function time(client: Client, name: string, n: number, into: number[]): Promise<void> {
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await client.callTool({ name, arguments: { text: 'hello' } });
    into.push(performance.now() - t);
  }
}

/** CPU milliseconds a process has used (user + system), from /proc; 0 where there is none. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main(): Promise<void> {
  const calls = Number(values.calls);
  const rounds = Number(values.rounds);
  const node = process.execPath;
  const upstream = spawn(node, [new URL(import.meta.url).pathname, '--upstream'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const children: ChildProcess[] = [upstream];
  try {
    const upstreamUrl = await started(upstream, /listening (\S+)/);
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-mcp-'));
    writeFileSync(
      join(dir, 'gatehouse.yaml'),
      `mcp_servers:\n  bench: { transport: http, url: "${upstreamUrl}" }\n`,
    );
    const gateway = spawn(
      node,
      [
        new URL('../src/cli/main.ts', import.meta.url).pathname,
        'start',
        '--port',
        '0',
        '--config',
        'gatehouse.yaml',
      ],
      {
        cwd: dir,
        env: { ...process.env, GATEHOUSE_MASTER_KEY: 'bench-key' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(gateway);
    const gatewayUrl = await started(gateway, /listening on (http:\/\/[^\s"]+)/);
    const direct = await connect(upstreamUrl);
    const via = await connect(`${gatewayUrl}/mcp`, { authorization: 'Bearer bench-key' });
    // Warm both paths (JIT, connections, the gateway's upstream session and tool list).
    await time(direct, 'echo', 300, []);
    await time(via, 'bench__echo', 300, []);
    const a: number[] = [];
    const b: number[] = [];
    const perRound = Math.ceil(calls / rounds);
    let gatewayCpu = 0;
    let upstreamCpu = 0;
    for (let r = 0; r < rounds; r++) {
      const u = cpuMs(upstream.pid);
      await time(direct, 'echo', perRound, a);
      upstreamCpu += cpuMs(upstream.pid) - u;
      const g = cpuMs(gateway.pid);
      await time(via, 'bench__echo', perRound, b);
      gatewayCpu += cpuMs(gateway.pid) - g;
    }
    a.sort((x, y) => x - y);
    b.sort((x, y) => x - y);
    const row = (name: string, s: number[]) =>
      `| ${name} | ${[50, 90, 99].map((p) => pct(s, p).toFixed(3)).join(' | ')} |`;
    console.log(`tool calls, c=1, ${a.length} per side in ${rounds} alternating rounds (ms)\n`);
    console.log('| path | p50 | p90 | p99 |\n| --- | --- | --- | --- |');
    console.log(row('direct to the MCP server', a));
    console.log(row('through Gatehouse (/mcp)', b));
    console.log(
      `| added by Gatehouse | ${[50, 90, 99].map((p) => (pct(b, p) - pct(a, p)).toFixed(3)).join(' | ')} |`,
    );
    // Wall-clock latency on a shared machine moves with its load; CPU time per call much less.
    console.log(
      `\nCPU per call: the MCP server ${(upstreamCpu / a.length).toFixed(3)} ms, the gateway ${(gatewayCpu / b.length).toFixed(3)} ms (from /proc, clock ticks summed over all calls)`,
    );
    await direct.close();
    await via.close();
  } finally {
    for (const child of children) child.kill('SIGTERM');
  }
}

if (values.upstream) await serveUpstream();
else await main();
