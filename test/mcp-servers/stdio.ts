// A test MCP server over stdio, run by the gateway as a child process:
// `node test/mcp-servers/stdio.ts <name>`.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { buildServer } from './tools.ts';

const { server } = buildServer(process.argv[2] ?? 'local', { calls: [], cancelled: 0 });
await server.connect(new StdioServerTransport());
