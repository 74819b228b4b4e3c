/**
 * The reference peer pair, end to end on loopback: `npm run example:peer-pair`.
 *
 *   alpha.example.com   a chat server published by DNS (a dns2 zone on loopback: legacy _rocketchat._tcp SRV,
 *                       rocketchat-tcp-protocol TXT "http", rocketchat-public-key TXT)
 *   beta.example.org    a chat server that cannot publish DNS: it registers with a real hub (PostgreSQL, SMTP),
 *                       and the link the hub emails to webmaster@beta.example.org is confirmed
 *   gamma.example.net   a third server with a key of its own, to which a payload sealed for beta is misdelivered
 *
 * alpha finds beta through the hub (DNS has nothing; the hub's proof is checked against its JWKS, and the answer is
 * proved included in the hub's transparency log, the log's key given by the operator), beta finds alpha
 * through DNS; they exchange messages both ways with seal/open over HTTP; gamma cannot open beta's payload.
 *
 * The chat servers (chat-server.ts) use the client package only. This script plays the operator: it runs the DNS
 * zone, the mail server and the hub, with the test suite's own helpers for those real services.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publicKeyRecordName, protocolRecordName, splitTxtValue, srvRecordName } from '@federation-hub/client';
import { createTestDatabase, startThrowawayServer } from '../../test/support/database.js';
import { startDnsServer, type TestDnsZone } from '../../test/support/dns-server.js';
import { spawnHub } from '../../test/support/hub-process.js';
import { freePort } from '../../test/support/ports.js';
import { extractLink, startSmtpCapture } from '../../test/support/smtp-capture.js';

const CHAT_SERVER = fileURLToPath(new URL('./chat-server.js', import.meta.url));

export const ALPHA = 'alpha.example.com';
export const BETA = 'beta.example.org';
export const GAMMA = 'gamma.example.net';

export interface PeerPairReport {
  /** What beta received from alpha, and how beta found alpha's key. */
  betaInbox: Array<{ from: string; text: string; senderFoundBy: string }>;
  alphaInbox: Array<{ from: string; text: string; senderFoundBy: string; senderLogIndex?: number }>;
  /** How each sender found its peer, as its /send reported it. */
  alphaFoundBeta: FoundPeer;
  betaFoundAlpha: FoundPeer;
  /** The hub log's entries of beta: what alpha's answer must have been proved included at. */
  betaLogEntries: number[];
  /** beta's federation status after registering, and after the email link was confirmed. */
  betaRegistration: { status: string; detail?: string };
  /** What gamma answered to the payload sealed for beta. */
  misdelivery: { status: number; error: string; message: string };
  gammaInbox: unknown[];
}

interface ChatServer {
  url: string;
  publicKey: string;
  child: ChildProcess;
  output(): string;
}

export async function runPeerPair(log: (line: string) => void = console.log): Promise<PeerPairReport> {
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    // --- the operator's real services -------------------------------------------------------------------------
    if (!process.env.TEST_DATABASE_URL && !process.env.DATABASE_URL) {
      const embedded = await startThrowawayServer();
      cleanups.unshift(embedded.stop);
      process.env.TEST_DATABASE_URL = embedded.url;
      log(`PostgreSQL: embedded, ${embedded.url}`);
    }
    const db = await createTestDatabase('peer_pair');
    cleanups.unshift(db.drop);
    const dns = await startDnsServer({});
    cleanups.unshift(dns.close);
    const smtp = await startSmtpCapture();
    cleanups.unshift(smtp.close);
    const port = await freePort();
    const hub = await spawnHub({
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATABASE_URL: db.url,
      SMTP_URL: smtp.url,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'peer-pair-hub-')),
      OUTBOX_POLL_MS: '100',
      LOG_LEVEL: 'warn',
      // A checkpoint within a second of beta's confirmation; a lookup waits for it (rather than answering without
      // its log object, which alpha, checking the log, would refuse).
      LOG_CHECKPOINT_SECONDS: '1',
      LOG_PROOF_WAIT_MS: '5000',
    });
    cleanups.unshift(() => hub.stop());
    log(`hub: ${hub.url} · DNS: ${dns.address} · SMTP: ${smtp.url}`);

    // The operator configures the log's verifier key from a copy it trusts: here, the hub it runs itself.
    const logKey = (await (await fetch(`${hub.url}/.well-known/federation-hub/log-key`)).text()).trim();
    const env = { DNS_SERVER: dns.address, HUB_URL: hub.url, LOG_KEY: logKey };
    const alpha = await startChatServer({ ...env, DOMAIN: ALPHA, DISCOVERY: 'dns' }, cleanups);
    const gamma = await startChatServer({ ...env, DOMAIN: GAMMA, DISCOVERY: 'dns' }, cleanups);
    dns.setZone({ ...dnsZone(ALPHA, alpha), ...dnsZone(GAMMA, gamma) });
    log(`alpha: ${alpha.url}, published in DNS · gamma: ${gamma.url}, published in DNS`);

    // --- beta registers with the hub and its webmaster confirms from the email --------------------------------
    const beta = await startChatServer({ ...env, DOMAIN: BETA, DISCOVERY: 'hub' }, cleanups);
    const pending = (await getJson(`${beta.url}/status`)) as { status: string; detail?: string };
    log(`beta: ${beta.url}, ${pending.status}: ${pending.detail}`);
    const email = await smtp.waitFor((message) => message.to.includes(`webmaster@${BETA}`), 15_000);
    const link = extractLink(email.text, hub.url);
    if (!link) throw new Error(`no confirmation link in the hub's email:\n${email.text}`);
    const confirmed = await fetch(`${hub.url}/confirm/${link.slice(link.lastIndexOf('/') + 1)}`, { method: 'POST', headers: { accept: 'application/json' } });
    if (confirmed.status !== 200) throw new Error(`confirmation failed: ${confirmed.status} ${await confirmed.text()}`);
    log(`beta: confirmed by webmaster@${BETA} from the emailed link`);

    // --- messages both ways ------------------------------------------------------------------------------------
    const toBeta = (await postJson(`${alpha.url}/send`, { to: BETA, text: 'Hello beta, alpha here 👋' })) as SendResult;
    log(
      `alpha → beta: found beta via ${toBeta.peer.source} at ${toBeta.peer.url} (proof ${toBeta.peer.proofVerified ? 'verified' : 'NOT verified'}, ` +
        `log entry ${toBeta.peer.logIndex ?? 'not checked'}); beta answered ${toBeta.status}`,
    );
    const toAlpha = (await postJson(`${beta.url}/send`, { to: ALPHA, text: 'Hi alpha — beta says grüß dich' })) as SendResult;
    log(`beta → alpha: found alpha via ${toAlpha.peer.source} at ${toAlpha.peer.url}; alpha answered ${toAlpha.status}`);

    // --- a payload sealed for beta lands on gamma ------------------------------------------------------------
    const misdelivered = (await postJson(`${alpha.url}/send`, { to: BETA, text: 'for beta only', deliverTo: gamma.url })) as SendResult;
    const answer = misdelivered.answer as { error: string; message: string };
    log(`alpha → (beta's payload) → gamma: gamma answered ${misdelivered.status} ${answer.error}: ${answer.message}`);

    return {
      betaInbox: ((await getJson(`${beta.url}/inbox`)) as { messages: PeerPairReport['betaInbox'] }).messages,
      alphaInbox: ((await getJson(`${alpha.url}/inbox`)) as { messages: PeerPairReport['alphaInbox'] }).messages,
      alphaFoundBeta: toBeta.peer,
      betaFoundAlpha: toAlpha.peer,
      betaLogEntries: (await db.query<{ idx: string }>(`SELECT idx FROM log_entries WHERE domain = $1 ORDER BY idx`, [BETA])).map((row) => Number(row.idx)),
      betaRegistration: pending,
      misdelivery: { status: misdelivered.status, error: answer.error, message: answer.message },
      gammaInbox: ((await getJson(`${gamma.url}/inbox`)) as { messages: unknown[] }).messages,
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
}

interface FoundPeer {
  domain: string;
  url: string;
  source: string;
  proofVerified?: boolean;
  logIndex?: number;
}

interface SendResult {
  peer: FoundPeer;
  status: number;
  answer: unknown;
}

/** The records an operator publishes for a server: here the legacy `_tcp` SRV with its protocol TXT ("http"). */
function dnsZone(domain: string, server: ChatServer): TestDnsZone {
  const { port } = new URL(server.url);
  return {
    [srvRecordName(domain, 'tcp')]: [{ type: 'SRV', priority: 10, weight: 5, port: Number(port), target: '127.0.0.1' }],
    [protocolRecordName(domain)]: [{ type: 'TXT', strings: ['http'] }],
    [publicKeyRecordName(domain)]: [{ type: 'TXT', strings: splitTxtValue(server.publicKey.replace(/\n/g, '')) }],
  };
}

async function startChatServer(env: Record<string, string>, cleanups: Array<() => Promise<unknown>>): Promise<ChatServer> {
  const child = spawn(process.execPath, [CHAT_SERVER], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanups.unshift(async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  });
  const ready = await new Promise<{ url: string; publicKey: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${env.DOMAIN} did not start:\n${output}`)), 20_000);
    const check = () => {
      const line = /^READY (.*)$/m.exec(output);
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line[1]!));
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${env.DOMAIN} exited before it was ready:\n${output}`));
    });
  });
  return { ...ready, child, output: () => output };
}

async function getJson(url: string): Promise<unknown> {
  return (await fetch(url)).json();
}

async function postJson(url: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status !== 200) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runPeerPair().then(
    (report) => {
      const ok =
        report.betaInbox.some((message) => message.from === ALPHA) &&
        report.alphaInbox.some((message) => message.from === BETA) &&
        report.alphaFoundBeta.logIndex !== undefined &&
        report.misdelivery.error === 'cannot-open' &&
        report.gammaInbox.length === 0;
      console.log(ok ? 'peer pair: OK' : `peer pair: FAILED\n${JSON.stringify(report, null, 2)}`);
      process.exit(ok ? 0 : 1);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
