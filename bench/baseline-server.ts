/**
 * The baseline: a bare `node:http` server, in its own process like the hub, that answers every request with the
 * exact bytes of a recorded hub answer (status, headers in their order and case, body). Whatever the hub spends
 * beyond this is the hub's own cost.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, get, type IncomingMessage } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface RecordedAnswer {
  status: number;
  /** Raw header list [name, value, name, value, …] without the ones node:http adds itself. */
  headers: string[];
  body: string;
}

// node:http writes these on every answer (hub and baseline alike); replaying them would double them.
const ADDED_BY_NODE = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

/** GETs `url` and records the answer as it came off the wire. */
export function recordAnswer(url: string): Promise<RecordedAnswer> {
  return new Promise((resolve, reject) => {
    get(url, (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const headers: string[] = [];
        for (let i = 0; i < response.rawHeaders.length; i += 2) {
          if (!ADDED_BY_NODE.has(response.rawHeaders[i]!.toLowerCase())) headers.push(response.rawHeaders[i]!, response.rawHeaders[i + 1]!);
        }
        resolve({ status: response.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', reject);
    }).on('error', reject);
  });
}

export interface BaselineServer {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts the baseline in a child process (so that it does not share the load generator's event loop). */
export async function startBaselineServer(answer: RecordedAnswer): Promise<BaselineServer> {
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    env: { ...process.env, BASELINE_ANSWER: Buffer.from(JSON.stringify(answer)).toString('base64') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    void exited.then(() => reject(new Error(`baseline server exited before listening: ${out}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function serve(answer: RecordedAnswer): void {
  const body = Buffer.from(answer.body, 'utf8');
  const server = createServer((_request, response) => {
    response.writeHead(answer.status, answer.headers);
    response.end(body);
  });
  server.listen(0, '127.0.0.1', () => console.log(`listening on ${(server.address() as { port: number }).port}`));
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  serve(JSON.parse(Buffer.from(process.env.BASELINE_ANSWER ?? '', 'base64').toString('utf8')) as RecordedAnswer);
}
