// The floor a Node.js gateway stands on: an HTTP server that forwards each request to the upstream
// through an undici keep-alive pool, by its dispatch API as Gatehouse does, and streams the answer back, with
// nothing else: no parsing, auth, limits, logging or metrics. The harness measures it beside the
// gateway, on the gateway's CPU, to show what the features cost over forwarding alone.
//
//   node bench/bare-proxy.ts --upstream http://127.0.0.1:PORT [--port N]
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Agent } from 'undici';

const { values } = parseArgs({
  options: { upstream: { type: 'string' }, port: { type: 'string', default: '0' } },
});
if (!values.upstream) {
  console.error('usage: node bench/bare-proxy.ts --upstream URL [--port N]');
  process.exit(2);
}
const origin = new URL(values.upstream).origin;
const agent = new Agent({ connections: 128 });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    agent.dispatch(
      {
        origin,
        path: req.url ?? '/',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.concat(chunks),
      },
      {
        onRequestStart() {},
        onResponseStart(_controller, status, headers) {
          res.writeHead(status, { 'content-type': String(headers['content-type'] ?? '') });
        },
        onResponseData(controller, chunk) {
          if (res.write(chunk)) return;
          // A full socket pauses the upstream; a caller that has left ends it, or its connection
          // would stay paused and out of the pool.
          if (res.destroyed) return controller.abort(new Error('the caller left'));
          controller.pause();
          const resume = () => {
            res.off('close', leave);
            controller.resume();
          };
          const leave = () => {
            res.off('drain', resume);
            controller.abort(new Error('the caller left'));
          };
          res.once('drain', resume);
          res.once('close', leave);
        },
        onResponseEnd() {
          res.end();
        },
        onResponseError(_controller, err) {
          if (res.headersSent) res.destroy(err);
          else res.writeHead(502).end(String(err));
        },
      },
    );
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(values.port), '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }));
});
process.on('SIGTERM', () => process.exit(0));
