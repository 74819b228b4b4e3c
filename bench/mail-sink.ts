/**
 * Where the bench hub's email goes: the project's SMTP capture server, run in a worker thread so that parsing a few
 * thousand messages does not steal the load generator's event loop.
 */
import { Worker } from 'node:worker_threads';

export interface MailSink {
  readonly url: string;
  /** Messages received per recipient address so far. */
  readonly received: ReadonlyMap<string, number>;
  /** Resolves when every address has a message, or at the deadline; returns the addresses still without one. */
  waitForAll(addresses: Iterable<string>, timeoutMs: number): Promise<string[]>;
  close(): Promise<void>;
}

export async function startMailSink(): Promise<MailSink> {
  const worker = new Worker(new URL('./mail-sink-worker.js', import.meta.url));
  const received = new Map<string, number>();
  const url = await new Promise<string>((resolve, reject) => {
    worker.on('message', (message: { url?: string; recipients?: string[] }) => {
      if (message.url) resolve(message.url);
      for (const address of message.recipients ?? []) received.set(address, (received.get(address) ?? 0) + 1);
    });
    worker.once('error', reject);
  });
  return {
    url,
    received,
    waitForAll: async (addresses, timeoutMs) => {
      const wanted = [...addresses];
      const deadline = Date.now() + timeoutMs;
      let missing = wanted.filter((address) => !received.has(address));
      while (missing.length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        missing = missing.filter((address) => !received.has(address));
      }
      return missing;
    },
    close: async () => {
      worker.postMessage({ close: true });
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}
