// The floor a Node.js gateway stands on: an HTTP server that forwards each request to the upstream
// through an undici keep-alive pool and streams the answer back, with nothing else (no parsing,
// auth, limits, logging or metrics). Measure it like the gateway to see what the features cost.
//
//   node bench/bare-proxy.ts --upstream http://127.0.0.1:PORT [--port N]
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';

const { values } = parseArgs({
  options: { upstream: { type: 'string' }, port: { type: 'string', default: '0' } },
});
if (!values.upstream) {
  console.error('usage: node bench/bare-proxy.ts --upstream URL [--port N]');
  process.exit(2);
}
const upstream = values.upstream.replace(/\/+$/, '');
const dispatcher = new Agent({ connections: 256, keepAliveTimeout: 30_000 });

const server = createServer(async (req, res) => {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const answer = await request(upstream + req.url, {
      dispatcher,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.concat(chunks),
    });
    res.writeHead(answer.statusCode, { 'content-type': String(answer.headers['content-type'] ?? '') });
    for await (const chunk of answer.body) res.write(chunk);
    res.end();
  } catch (err) {
    res.writeHead(502).end(String(err));
  }
});
server.keepAliveTimeout = 65_000;
server.listen(Number(values.port), '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }));
});
