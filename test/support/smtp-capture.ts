import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CapturedMessage {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  raw: string;
  /** When the server accepted it (Date.now()). */
  receivedAt: number;
}

/**
 * A real SMTP server on loopback that keeps every message it accepts (parsed with mailparser).
 * `refuse(true)` makes it answer 451 to every message, as a mail server in trouble does.
 */
export interface SmtpCapture {
  readonly url: string;
  readonly messages: CapturedMessage[];
  /** Messages answered 451 while refusing. */
  readonly refused: number;
  /** SMTP connections accepted so far (a pooling client opens a few and reuses them). */
  readonly connections: number;
  /** The most messages that were ever being received at the same time. */
  readonly mostAtOnce: number;
  /**
   * Messages whose client went away before the server's answer to DATA (e.g. killed): not accepted, so not in
   * `messages`, as a real mail server drops a transaction whose connection is lost (RFC 5321 §3.3).
   */
  readonly abandoned: number;
  /** RCPT TO commands left unanswered (hangRecipient). */
  readonly hung: number;
  refuse(on: boolean): void;
  waitFor(predicate: (message: CapturedMessage, index: number) => boolean, timeoutMs?: number): Promise<CapturedMessage>;
  waitForMessages(count: number, timeoutMs?: number): Promise<CapturedMessage[]>;
  close(): Promise<void>;
}

export interface SmtpCaptureOptions {
  /**
   * Parse each message with mailparser (default). The benchmark turns it off: it needs only the envelope of
   * thousands of messages, and parsing them would compete with the hub for the same CPU; `raw` is kept either way.
   */
  parse?: boolean;
  /** Answer each message only after this many milliseconds, as a slow mail server does (default 0). */
  delayMs?: number;
  /**
   * Never answer RCPT TO for the recipients it matches, as a relay checking them against an MX that does not answer
   * does: the client waits until its own time-out.
   */
  hangRecipient?: (address: string) => boolean;
}

export async function startSmtpCapture(options: SmtpCaptureOptions = {}): Promise<SmtpCapture> {
  const parse = options.parse ?? true;
  const messages: CapturedMessage[] = [];
  const waiters = new Set<() => void>();
  let refusing = false;
  let refused = 0;
  let connections = 0;
  let atOnce = 0;
  let mostAtOnce = 0;
  let abandoned = 0;
  let hung = 0;
  const closedSessions = new Set<string>();

  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onClose(session) {
      closedSessions.add(session.id);
    },
    onRcptTo(address, _session, callback) {
      if (options.hangRecipient?.(address.address)) {
        hung++;
        return; // no answer, ever
      }
      callback();
    },
    onData(stream, session, answer) {
      mostAtOnce = Math.max(mostAtOnce, ++atOnce);
      const callback = (error?: Error) => {
        atOnce--;
        answer(error);
      };
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', async () => {
        if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
        if (closedSessions.has(session.id)) {
          abandoned++;
          return callback();
        }
        if (refusing) {
          refused++;
          const error = Object.assign(new Error('4.3.0 try again later (test server is refusing)'), { responseCode: 451 });
          return callback(error);
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const to = session.envelope.rcptTo.map((rcpt) => rcpt.address);
        if (parse) {
          const parsed = await simpleParser(raw);
          messages.push({
            to,
            from: parsed.from?.text ?? '',
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            raw,
            receivedAt: Date.now(),
          });
        } else {
          const from = session.envelope.mailFrom;
          messages.push({ to, from: from ? from.address : '', subject: '', text: '', html: '', raw, receivedAt: Date.now() });
        }
        for (const wake of waiters) wake();
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as { port: number };

  const waitUntil = <T>(check: () => T | undefined, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const attempt = () => {
        const found = check();
        if (found === undefined) return false;
        clearTimeout(timer);
        waiters.delete(wake);
        resolve(found);
        return true;
      };
      const wake = () => void attempt();
      const timer = setTimeout(() => {
        waiters.delete(wake);
        reject(new Error(`SMTP capture: ${what} within ${timeoutMs} ms (have ${messages.length} messages)`));
      }, timeoutMs);
      waiters.add(wake);
      attempt();
    });

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    get refused() {
      return refused;
    },
    get connections() {
      return connections;
    },
    get mostAtOnce() {
      return mostAtOnce;
    },
    get abandoned() {
      return abandoned;
    },
    get hung() {
      return hung;
    },
    refuse: (on) => {
      refusing = on;
    },
    waitFor: (predicate, timeoutMs = 10_000) =>
      waitUntil(() => messages.find((message, index) => predicate(message, index)), timeoutMs, 'no matching message'),
    waitForMessages: (count, timeoutMs = 10_000) =>
      waitUntil(() => (messages.length >= count ? messages.slice(0, count) : undefined), timeoutMs, `fewer than ${count} messages`),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The confirmation link in an email body: `<publicUrl>/confirm/<token>` (any hub's, when publicUrl is omitted). */
export function extractLink(text: string, publicUrl?: string): string | undefined {
  const base = publicUrl ? publicUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : 'https?://[^\\s/]+';
  return new RegExp(`${base}/confirm/[A-Za-z0-9_-]+`).exec(text)?.[0];
}
