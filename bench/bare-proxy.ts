// The floor a Node.js gateway stands on: an HTTP server that forwards each request to the upstream
// through a node:http keep-alive pool (the client Gatehouse uses) and streams the answer back, with
// nothing else: no parsing, auth, limits, logging or metrics. The harness measures it beside the
// gateway, on the gateway's CPU, to show what the features cost over forwarding alone.
//
//   node bench/bare-proxy.ts --upstream http://127.0.0.1:PORT [--port N]
import { Agent, createServer, request } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { upstream: { type: 'string' }, port: { type: 'string', default: '0' } },
});
if (!values.upstream) {
  console.error('usage: node bench/bare-proxy.ts --upstream URL [--port N]');
  process.exit(2);
}
const upstream = new URL(values.upstream);
const agent = new Agent({ keepAlive: true, maxSockets: 128, scheduling: 'lifo' });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const outgoing = request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': body.byteLength },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? '' });
        answer.pipe(res);
      },
    );
    outgoing.on('error', (err) => res.writeHead(502).end(String(err)));
    outgoing.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(values.port), '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }));
});
process.on('SIGTERM', () => process.exit(0));
