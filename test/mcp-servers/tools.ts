// The tools of the test MCP servers, written with the official SDK: a small "github" (search with
// a read_only flag, delete_repo), a tool that runs slowly with progress and honours cancellation,
// one that never answers, and a prompt and a resource. Each call is counted, so tests see what
// reached the server (and with which arguments).
import { setTimeout as sleep } from 'node:timers/promises';
import { McpServer, type RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

export interface ToolLog {
  calls: Array<{ tool: string; args: Record<string, unknown> }>;
  cancelled: number;
}

export function buildServer(
  name: string,
  log: ToolLog,
  description = 'Search the code.',
): {
  server: McpServer;
  search: RegisteredTool;
} {
  const server = new McpServer({ name, version: '1.0.0' });
  const search = server.registerTool(
    'search',
    {
      description,
      inputSchema: { q: z.string(), read_only: z.boolean().optional(), mode: z.string().optional() },
    },
    async (args) => {
      log.calls.push({ tool: 'search', args });
      return {
        content: [{ type: 'text', text: `${name} found ${args.q} (read_only=${args.read_only ?? 'unset'})` }],
      };
    },
  );
  server.registerTool(
    'delete_repo',
    { description: 'Delete a repository.', inputSchema: { repo: z.string() } },
    async (args) => {
      log.calls.push({ tool: 'delete_repo', args });
      return { content: [{ type: 'text', text: `deleted ${args.repo}` }] };
    },
  );
  server.registerTool(
    'slow',
    { description: 'Takes its time, reporting progress.', inputSchema: { ms: z.number() } },
    async (args, extra) => {
      log.calls.push({ tool: 'slow', args });
      const token = extra._meta?.progressToken;
      const steps = 4;
      for (let i = 1; i <= steps; i++) {
        try {
          await sleep(args.ms / steps, undefined, { signal: extra.signal });
        } catch {
          log.cancelled++;
          throw new Error('cancelled');
        }
        if (token !== undefined)
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: i, total: steps },
          });
      }
      return { content: [{ type: 'text', text: `slept ${args.ms}` }] };
    },
  );
  server.registerTool('hang', { description: 'Never answers.', inputSchema: {} }, async (_args, extra) => {
    log.calls.push({ tool: 'hang', args: {} });
    await new Promise((resolve) => extra.signal.addEventListener('abort', resolve));
    return { content: [] };
  });
  server.registerTool('fail', { description: 'Answers with a tool error.', inputSchema: {} }, async () => ({
    content: [{ type: 'text', text: 'it broke' }],
    isError: true,
  }));
  server.registerPrompt(
    'review',
    { description: 'Review a change.', argsSchema: { pr: z.string() } },
    (args) => ({
      messages: [{ role: 'user', content: { type: 'text', text: `Review ${args.pr} on ${name}` } }],
    }),
  );
  server.registerResource('readme', `${name}://readme`, { description: 'The readme.' }, async (uri) => ({
    contents: [{ uri: uri.href, text: `${name} readme` }],
  }));
  return { server, search };
}
