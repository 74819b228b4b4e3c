/**
 * A very small chat server of the federation, built on the client package alone: it makes its own key (what
 * `federation-hub keygen` does), announces itself (DNS: the operator publishes the records it prints; hub: it
 * registers through FederationNode), finds its peers with FederationResolver (DNS first, then the hub, whose
 * proof it checks) and exchanges sealed messages with them over HTTP.
 *
 * Configuration (environment): DOMAIN, DISCOVERY (dns | hub), DNS_SERVER (host:port of the resolver to ask),
 * HUB_URL (the hub, also the fallback of every lookup), CONTACT (hub registration mailbox, optional), LOG_KEY (the
 * hub log's verifier key line, optional: hub answers must then be proved included in its transparency log).
 * It listens on 127.0.0.1 on a free port and prints one line `READY {"url":…,"publicKey":…}` when it is up.
 *
 * HTTP API:
 *   POST /api/v1/federation.events.dispatch   from a peer: {"payload":"<sealed>"}, sender in x-federation-domain
 *   POST /send      {"to":"<domain>","text":"…","deliverTo"?:"<url>"} seal for `to`, POST it to its URL (or to
 *                   deliverTo: how the example shows a misdelivery); answers what the receiving server said
 *   GET  /inbox     the messages received and opened
 *   GET  /status    the federation status (FederationNode)
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  FederationError,
  FederationNode,
  FederationResolver,
  generateFederationKeyPair,
  LEGACY_DOMAIN_HEADER,
  ProtocolError,
  SealError,
} from '@federation-hub/client';

const DISPATCH = '/api/v1/federation.events.dispatch';

interface Received {
  from: string;
  text: string;
  /** Where the sender's key came from: 'dns' or 'hub'. */
  senderFoundBy: 'dns' | 'hub';
  /** From the hub: the transparency log entry its answer was proved included at (LOG_KEY set). */
  senderLogIndex?: number;
}

const domain = required('DOMAIN');
const discoveryMethod = required('DISCOVERY') as 'dns' | 'hub';
const hubUrl = required('HUB_URL');

// Its own key, as `federation-hub keygen` makes it (RSA; 2048 bits keeps the example quick). Kept in memory only.
const keys = generateFederationKeyPair({ type: 'rsa', bits: 2048 });

const resolver = new FederationResolver({
  dnsServers: [required('DNS_SERVER')],
  hubUrl,
  // The hub's answers must carry a proof signed by one of its published keys.
  hubJwks: `${hubUrl}/.well-known/jwks.json`,
  // Answers are kept for their TTL; this example's peers change nothing while it runs.
  timeoutMs: 2000,
  // … and, given the log's verifier key, be proved included in the hub's transparency log, under a checkpoint
  // consistent with every one seen before: an answer the hub gave this server alone would not be.
  ...(process.env.LOG_KEY ? { logKey: process.env.LOG_KEY } : {}),
});

const inbox: Received[] = [];
let node: FederationNode;

const server = createServer((request, response) => {
  handle(request, response).catch((error: unknown) => reply(response, 500, { error: 'internal', message: (error as Error).message }));
});

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (request.method === 'POST' && path === DISPATCH) return receive(request, response);
  if (request.method === 'POST' && path === '/send') return send(await readJson(request), response);
  if (request.method === 'GET' && path === '/inbox') return reply(response, 200, { messages: inbox });
  if (request.method === 'GET' && path === '/status') {
    return reply(response, 200, { status: node.status, detail: node.detail, registration: node.registration });
  }
  reply(response, 404, { error: 'not-found' });
}

/** A peer's message: find the sender's key (DNS first, then the hub), open, keep. */
async function receive(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const sender = request.headers[LEGACY_DOMAIN_HEADER];
  if (typeof sender !== 'string') return reply(response, 400, { error: 'no-sender', message: `${LEGACY_DOMAIN_HEADER} is missing` });
  const body = (await readJson(request)) as { payload?: unknown };
  try {
    const peer = await resolver.resolve(sender);
    const message = await node.openFrom<{ text: string; from: string }>(sender, body.payload, peer.publicKey);
    if (message.from !== peer.domain) return reply(response, 400, { error: 'sender-mismatch', message: 'the sealed sender is not the header sender' });
    inbox.push({ from: peer.domain, text: message.text, senderFoundBy: peer.source, ...(peer.logIndex === undefined ? {} : { senderLogIndex: peer.logIndex }) });
    reply(response, 200, { success: true });
  } catch (error) {
    // A payload that is not for us (or not from the key the sender's domain publishes) is refused, unread.
    if (error instanceof SealError) return reply(response, 400, { error: error.reason, message: error.message });
    if (error instanceof FederationError || error instanceof ProtocolError) return reply(response, 502, { error: 'sender-unknown', message: error.message });
    throw error;
  }
}

async function send(command: unknown, response: ServerResponse): Promise<void> {
  const { to, text, deliverTo } = command as { to: string; text: string; deliverTo?: string };
  const peer = await resolver.resolve(to);
  const sealed = await node.sealFor(peer.domain, { from: domain, text }, peer.publicKey);
  const target = `${deliverTo ?? peer.url}${DISPATCH}`;
  const delivered = await fetch(target, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [LEGACY_DOMAIN_HEADER]: domain },
    body: JSON.stringify({ payload: sealed.body }),
  });
  const { source, proofVerified, logIndex } = peer;
  reply(response, 200, { peer: { domain: peer.domain, url: peer.url, source, proofVerified, logIndex }, codec: sealed.codec, status: delivered.status, answer: await delivered.json() });
}

function readJson(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > 1_000_000) request.destroy(new Error('body too large'));
    });
    request.on('end', () => {
      try {
        resolve(text ? JSON.parse(text) : {});
      } catch (error) {
        reject(error as Error);
      }
    });
    request.on('error', reject);
  });
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} must be set`);
    process.exit(2);
  }
  return value;
}

server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  node = new FederationNode(
    { enabled: true, domain, publicKey: keys.publicKey, discoveryMethod, hubUrl, url, contact: process.env.CONTACT },
    { privateKey: keys.privateKey },
  );
  node.on('status', ({ status, detail }) => console.log(`STATUS ${JSON.stringify({ status, detail })}`));
  await node.start();
  console.log(`READY ${JSON.stringify({ url, publicKey: keys.publicKey, status: node.status })}`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
