import { createSocket } from 'node:dgram';
import { connect, isIP } from 'node:net';
import { decodeMessage, type DnsMessage, DnsWireError } from './wire.js';

export interface DnsServerAddress {
  host: string;
  port: number;
}

/** Why one exchange with one server failed; the client then tries the next server. */
export class DnsTransportError extends Error {
  constructor(
    readonly server: DnsServerAddress,
    readonly reason: 'timeout' | 'network' | 'bad-response',
    detail: string,
  ) {
    super(`${formatServer(server)}: ${detail}`);
    this.name = 'DnsTransportError';
  }
}

// What a socket error means, in words (the rest keep Node's message).
const SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  EACCES: 'permission denied',
};

function socketError(transport: 'UDP' | 'TCP', error: NodeJS.ErrnoException): string {
  const known = error.code === undefined ? undefined : SOCKET_ERRORS[error.code];
  return known ?? `${transport}: ${error.message}`;
}

export function formatServer({ host, port }: DnsServerAddress): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * One question to one server: over UDP first, over TCP when the answer comes back truncated (RFC 7766). Only a
 * reply with our id and our question is accepted (RFC 5452), so stray or spoofed datagrams are ignored.
 */
export async function exchange(server: DnsServerAddress, query: Buffer, timeoutMs: number): Promise<DnsMessage> {
  const udp = await overUdp(server, query, timeoutMs);
  return udp.truncated ? overTcp(server, query, timeoutMs) : udp;
}

function matches(query: Buffer, reply: DnsMessage): boolean {
  const asked = decodeMessage(query).question;
  return (
    reply.isResponse &&
    reply.id === query.readUInt16BE(0) &&
    // A truncated reply may omit the question; its id is then all that ties it to ours.
    (reply.question === undefined ? reply.truncated : reply.question.name === asked?.name && reply.question.type === asked.type)
  );
}

function overUdp(server: DnsServerAddress, query: Buffer, timeoutMs: number): Promise<DnsMessage> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIP(server.host) === 6 ? 'udp6' : 'udp4');
    const timer = setTimeout(() => finish(new DnsTransportError(server, 'timeout', `no answer over UDP within ${timeoutMs} ms`)), timeoutMs);
    let done = false;
    const finish = (outcome: DnsMessage | Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    socket.on('error', (error) => finish(new DnsTransportError(server, 'network', socketError('UDP', error))));
    socket.on('message', (data) => {
      try {
        const reply = decodeMessage(data);
        if (matches(query, reply)) finish(reply);
      } catch (error) {
        // A malformed datagram is not an answer to us: keep waiting for the real one until the timeout.
        if (!(error instanceof DnsWireError)) finish(error instanceof Error ? error : new Error(String(error)));
      }
    });
    // A connected socket only receives datagrams from the server's address and port.
    socket.connect(server.port, server.host, () => {
      socket.send(query, (error) => {
        if (error) finish(new DnsTransportError(server, 'network', socketError('UDP', error)));
      });
    });
  });
}

const MAX_TCP_MESSAGE = 65_535;

function overTcp(server: DnsServerAddress, query: Buffer, timeoutMs: number): Promise<DnsMessage> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.host, port: server.port });
    const timer = setTimeout(() => finish(new DnsTransportError(server, 'timeout', `no answer over TCP within ${timeoutMs} ms`)), timeoutMs);
    let done = false;
    let received = Buffer.alloc(0);
    const finish = (outcome: DnsMessage | Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    socket.on('error', (error) => finish(new DnsTransportError(server, 'network', socketError('TCP', error))));
    socket.on('end', () => finish(new DnsTransportError(server, 'bad-response', 'TCP connection closed before a full answer')));
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(query.length);
      socket.write(Buffer.concat([length, query]));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length > MAX_TCP_MESSAGE + 2) return finish(new DnsTransportError(server, 'bad-response', 'TCP answer too long'));
      while (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        const size = received.readUInt16BE(0);
        const message = received.subarray(2, 2 + size);
        received = received.subarray(2 + size);
        try {
          const reply = decodeMessage(message);
          if (matches(query, reply)) return finish(reply);
        } catch (error) {
          return finish(new DnsTransportError(server, 'bad-response', error instanceof Error ? error.message : String(error)));
        }
      }
    });
  });
}
