import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A real HTTP server on a loopback address (127.0.0.1 by default; any of 127.0.0.0/8 works on Linux), for what the hub
 * fetches in ownership checks: routes by path set by the test, everything else 404. It counts connections and keeps
 * every request it got, so a test can prove that a refused check never connected.
 */
export interface TestHttpServer {
  readonly host: string;
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  readonly requests: ReadonlyArray<{ path: string; headers: IncomingHttpHeaders }>;
  /** Serves `path` with `respond` (replacing what it served before); undefined stops serving it. */
  route(path: string, respond: ((request: IncomingMessage, response: ServerResponse) => void) | undefined): void;
  /** Serves `path` with 200 and `body` as text/plain. */
  file(path: string, body: string): void;
  close(): Promise<void>;
}

export async function startHttpServer(options: { host?: string; port?: number } = {}): Promise<TestHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const routes = new Map<string, (request: IncomingMessage, response: ServerResponse) => void>();
  const requests: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    requests.push({ path, headers: request.headers });
    const respond = routes.get(path);
    if (respond) return respond(request, response);
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  server.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  return {
    host,
    port: (server.address() as { port: number }).port,
    get connections() {
      return connections;
    },
    requests,
    route: (path, respond) => {
      if (respond) routes.set(path, respond);
      else routes.delete(path);
    },
    file: (path, body) => routes.set(path, (_request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end(body)),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
