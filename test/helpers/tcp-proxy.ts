// A TCP proxy on 127.0.0.1 between the gateway and a service (PostgreSQL), so that a test can take
// the service away mid-load and give it back, without stopping the real server other tests share.
import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** The service's URL with its host and port replaced by the proxy's. */
  proxied(url: string): string;
  /**
   * Takes the service away: every piped connection is destroyed, and new ones are accepted and
   * closed at once. Closing (rather than holding them open) makes a client fail fast instead of
   * waiting on its own timeouts — the gateway's pg pool has no connect timeout, so a held
   * connection would stall it rather than exercise its failure path.
   */
  cut(): void;
  /** Pipes new connections to the service again. */
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let cut = false;
  const server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = createConnection(target);
    for (const socket of [client, upstream]) {
      open.add(socket);
      // A reset from either side ends both; the error itself is the point of the exercise.
      socket.on('error', () => undefined);
      socket.once('close', () => {
        open.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const destroyAll = () => {
    for (const socket of open) socket.destroy();
    open.clear();
  };
  return {
    port,
    proxied(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    cut() {
      cut = true;
      destroyAll();
    },
    restore() {
      cut = false;
    },
    async close() {
      cut = true;
      destroyAll();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Host and port of a postgres:// URL (PostgreSQL's defaults when left out). */
export function serviceAddress(url: string, defaultPort = 5432): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || defaultPort) };
}
