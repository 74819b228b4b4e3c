import { createServer, type Server, type Socket, connect } from 'node:net';

/**
 * A real TCP hop between the hub and PostgreSQL that a test can cut and restore,
 * to show what the hub does when its database goes away.
 */
export interface TcpProxy {
  readonly port: number;
  /** Drops every open connection and refuses new ones. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>;
  /** Holds every chunk from the server this long before passing it on (a slow database). */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number, port = 0): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let delayMs = 0;

  const listen = (onPort: number) =>
    new Promise<number>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(targetPort, targetHost);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream);
        upstream.on('data', (chunk: Buffer) => {
          if (delayMs === 0) client.write(chunk);
          else setTimeout(() => client.writable && client.write(chunk), delayMs);
        });
        upstream.on('end', () => client.end());
      });
      server.once('error', reject);
      server.listen(onPort, '127.0.0.1', () => resolve((server!.address() as { port: number }).port));
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });

  const boundPort = await listen(port);
  return {
    port: boundPort,
    cut: stop,
    restore: async () => {
      if (!server) await listen(boundPort);
    },
    close: stop,
    setDelay: (ms) => {
      delayMs = ms;
    },
  };
}

/** A proxy in front of a test database, and the database URL that goes through it. */
export async function proxyDatabase(databaseUrl: string): Promise<{ proxy: TcpProxy; url: string }> {
  const target = new URL(databaseUrl);
  const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  const viaProxy = new URL(databaseUrl);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  return { proxy, url: viaProxy.toString() };
}
