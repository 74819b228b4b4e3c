import { createServer, request as httpRequest, type Server } from 'node:http';

/**
 * A real HTTP hop in front of a real hub: it counts the requests that reach the hub, and can rewrite the hub's JSON
 * answers the way a man in the middle (or a compromised cache) would, to show that the client notices.
 */
export interface HubProxy {
  readonly url: string;
  /** Requests forwarded, by path with query. */
  count(pathPrefix: string): number;
  /** Rewrites each JSON answer from now on (undefined: pass through). */
  rewrite(change: ((body: Record<string, unknown>, path: string) => Record<string, unknown>) | undefined): void;
  close(): Promise<void>;
}

/** With several hub URLs (instances of one hub), requests go to each in turn, as behind a load balancer. */
export async function startHubProxy(hubUrl: string | string[]): Promise<HubProxy> {
  const targets = (Array.isArray(hubUrl) ? hubUrl : [hubUrl]).map((url) => new URL(url));
  let turn = 0;
  const paths: string[] = [];
  let change: ((body: Record<string, unknown>, path: string) => Record<string, unknown>) | undefined;

  const server: Server = createServer((incoming, outgoing) => {
    const path = incoming.url ?? '/';
    paths.push(path);
    const target = targets[turn++ % targets.length]!;
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, path, method: incoming.method, headers: { ...incoming.headers, host: target.host } },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            let body = Buffer.concat(parts);
            const headers = { ...answer.headers };
            if (change && String(headers['content-type']).includes('json')) {
              body = Buffer.from(JSON.stringify(change(JSON.parse(body.toString('utf8')), path)));
              headers['content-length'] = String(body.length);
              delete headers.etag;
            }
            outgoing.writeHead(answer.statusCode ?? 502, headers);
            outgoing.end(body);
          });
        },
      );
      upstream.on('error', () => {
        outgoing.writeHead(502).end();
      });
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    count: (prefix) => paths.filter((path) => path.startsWith(prefix)).length,
    rewrite: (next) => {
      change = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
