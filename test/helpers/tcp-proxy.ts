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
  /**
   * A network partition: nothing passes either way and nothing is closed — piped connections go
   * silent, new ones are accepted and never answered — so a client waits on its own timeouts.
   */
  blackHole(): void;
  /** Pipes new connections to the service again (connections held by a black hole are reset). */
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let mode: 'pass' | 'cut' | 'black-hole' = 'pass';
  const server = createServer((client) => {
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    open.add(client);
    client.on('error', () => undefined);
    client.once('close', () => open.delete(client));
    if (mode === 'black-hole') {
      client.on('data', () => undefined);
      return;
    }
    const upstream = createConnection(target);
    open.add(upstream);
    // A reset from either side ends both; the error itself is the point of the exercise.
    upstream.on('error', () => undefined);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      // Bytes are forwarded one by one rather than piped, so that a black hole can swallow them.
      from.on('data', (chunk) => {
        if (mode === 'pass') to.write(chunk);
      });
      from.once('close', () => {
        open.delete(from);
        to.destroy();
      });
    }
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
      mode = 'cut';
      destroyAll();
    },
    blackHole() {
      mode = 'black-hole';
    },
    restore() {
      // A connection that lost bytes in a black hole cannot be trusted to carry its protocol on.
      if (mode === 'black-hole') destroyAll();
      mode = 'pass';
    },
    async close() {
      mode = 'cut';
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
