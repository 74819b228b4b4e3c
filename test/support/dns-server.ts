import type { RemoteInfo } from 'node:dgram';
import dns2 from 'dns2';

const { Packet, TCPServer, UDPServer } = dns2;

/**
 * A real DNS server on loopback (the dns2 package), answering over UDP and TCP on one port from a record table the
 * test gives it, and counting what it was asked. Names are case-insensitive and a trailing dot does not matter.
 *
 * - a name absent from the table answers NXDOMAIN, a name present without records of the asked type answers
 *   NOERROR with no answers (NODATA); both carry an SOA whose minimum is `negativeTtl`, as real zones do;
 * - `silent` names are never answered (the client's timeout is what a test then sees);
 * - `truncateUdp` answers every UDP query with an empty truncated (TC) message, so the client must retry over TCP;
 * - `perQuery` names get their records from a function of how many queries of that name and type came before
 *   (a DNS rebinding attacker answers one address to the first query and another to every later one).
 */
export type TestDnsRecord =
  | { type: 'SRV'; priority: number; weight: number; port: number; target: string; ttl?: number }
  | { type: 'TXT'; strings: string[]; ttl?: number }
  | { type: 'A'; address: string; ttl?: number }
  | { type: 'AAAA'; address: string; ttl?: number };

export type TestDnsZone = Record<string, TestDnsRecord[]>;

export interface TestDnsServerOptions {
  silent?: string[];
  truncateUdp?: boolean;
  /** SOA minimum (negative-caching TTL) in NXDOMAIN/NODATA answers. Default 5. */
  negativeTtl?: number;
  /** TTL of records that give none. Default 300. */
  defaultTtl?: number;
  /** Records chosen per query: `previous` is the number of earlier queries of this name and type. */
  perQuery?: Record<string, (previous: number, type: string) => TestDnsRecord[]>;
}

export interface ReceivedQuery {
  name: string;
  type: string;
  transport: 'udp' | 'tcp';
}

export interface TestDnsServer {
  readonly port: number;
  /** `127.0.0.1:<port>`, the form `dnsServers` and `--dns` take. */
  readonly address: string;
  /** Every query received, in order. */
  readonly received: readonly ReceivedQuery[];
  /** How many queries for this name (and type, when given) arrived, over both transports unless one is named. */
  count(name: string, type?: string, transport?: 'udp' | 'tcp'): number;
  /** Replaces the record table (the counts stay). */
  setZone(zone: TestDnsZone): void;
  resetCounts(): void;
  close(): Promise<void>;
}

// dns2 has RCODE at run time but not in its type declarations.
const { NXDOMAIN } = (Packet as unknown as { RCODE: { NXDOMAIN: number } }).RCODE;
const TYPE_NAMES = new Map<number, string>(Object.entries(Packet.TYPE).map(([name, code]) => [code as number, name]));

const canonical = (name: string) => name.toLowerCase().replace(/\.$/, '');

export async function startDnsServer(zone: TestDnsZone, options: TestDnsServerOptions = {}): Promise<TestDnsServer> {
  let records = indexZone(zone);
  const received: ReceivedQuery[] = [];
  const silent = new Set((options.silent ?? []).map(canonical));
  const negativeTtl = options.negativeTtl ?? 5;
  const defaultTtl = options.defaultTtl ?? 300;
  const perQuery = new Map(Object.entries(options.perQuery ?? {}).map(([name, choose]) => [canonical(name), choose]));

  const answer = (transport: 'udp' | 'tcp') => (request: dns2.Packet, send: (response: dns2.Packet) => Promise<Buffer>) => {
    const [question] = request.questions;
    if (!question) return;
    const name = canonical(question.name);
    const type = TYPE_NAMES.get(question.type) ?? String(question.type);
    received.push({ name, type, transport });
    if (silent.has(name)) return;

    const response = Packet.createResponseFromRequest(request);
    response.header.aa = 1;
    response.header.ra = 1;
    if (transport === 'udp' && options.truncateUdp) {
      response.header.tc = 1;
      void send(response);
      return;
    }
    const choose = perQuery.get(name);
    const previous = received.filter((query) => query.name === name && query.type === type).length - 1;
    const known = choose ? choose(previous, type) : records.get(name);
    const matching = (known ?? []).filter((record) => record.type === type);
    if (!known) response.header.rcode = NXDOMAIN;
    for (const record of matching) response.answers.push(toResource(question.name, record, defaultTtl));
    if (matching.length === 0) response.authorities.push(soaFor(name, negativeTtl));
    void send(response);
  };

  const { udp, tcp, port } = await listenOnOnePort(answer('udp'), answer('tcp'));
  return {
    port,
    address: `127.0.0.1:${port}`,
    received,
    count: (name, type, transport) =>
      received.filter(
        (query) => query.name === canonical(name) && (!type || query.type === type) && (!transport || query.transport === transport),
      ).length,
    setZone: (next) => {
      records = indexZone(next);
    },
    resetCounts: () => {
      received.length = 0;
    },
    close: async () => {
      await Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => tcp.close(() => resolve())),
      ]);
    },
  };
}

function indexZone(zone: TestDnsZone): Map<string, TestDnsRecord[]> {
  const index = new Map<string, TestDnsRecord[]>();
  for (const [name, list] of Object.entries(zone)) {
    for (const record of list) {
      if (record.type === 'TXT' && record.strings.some((part) => Buffer.byteLength(part) > 255)) {
        throw new Error(`test DNS zone: a TXT string of ${name} is longer than 255 octets; DNS cannot carry it`);
      }
    }
    index.set(canonical(name), [...(index.get(canonical(name)) ?? []), ...list]);
  }
  return index;
}

function toResource(name: string, record: TestDnsRecord, defaultTtl: number): dns2.Packet.Resource {
  const base = { name, class: Packet.CLASS.IN, ttl: record.ttl ?? defaultTtl };
  switch (record.type) {
    case 'SRV':
      return { ...base, type: Packet.TYPE.SRV, priority: record.priority, weight: record.weight, port: record.port, target: record.target } as dns2.Packet.Resource;
    case 'TXT':
      return { ...base, type: Packet.TYPE.TXT, data: record.strings } as dns2.Packet.Resource;
    case 'A':
      return { ...base, type: Packet.TYPE.A, address: record.address } as dns2.Packet.Resource;
    case 'AAAA':
      return { ...base, type: Packet.TYPE.AAAA, address: record.address } as dns2.Packet.Resource;
  }
}

/** The SOA a zone apex would send with a negative answer; its minimum bounds how long the "no" may be cached. */
function soaFor(name: string, negativeTtl: number): dns2.Packet.Resource {
  const apex = name.split('.').slice(-2).join('.');
  return {
    name: apex,
    type: Packet.TYPE.SOA,
    class: Packet.CLASS.IN,
    ttl: negativeTtl,
    primary: `ns.${apex}`,
    admin: `hostmaster.${apex}`,
    serial: 1,
    refresh: 3600,
    retry: 600,
    expiration: 86400,
    minimum: negativeTtl,
  } as dns2.Packet.Resource;
}

type Handler = (request: dns2.Packet, send: (response: dns2.Packet) => Promise<Buffer>) => void;

/** UDP and TCP on the same free port: resolvers use one port for both. The OS picks it; retried if UDP's is taken. */
async function listenOnOnePort(onUdp: Handler, onTcp: Handler) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const tcp = new TCPServer(onTcp as dns2.DnsHandler);
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (tcp.address() as { port: number }).port;
    const udp = new UDPServer({ type: 'udp4' });
    udp.on('request', ((request: dns2.Packet, send: (response: dns2.Packet) => Promise<Buffer>, _client: RemoteInfo) =>
      onUdp(request, send)) as dns2.DnsHandler);
    udp.on('requestError', () => {});
    const bound = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    if (bound) {
      // close() must not wait for a client's idle keep-alive connection.
      const sockets = new Set<import('node:net').Socket>();
      tcp.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      const close = tcp.close.bind(tcp);
      tcp.close = ((callback?: (error?: Error) => void) => {
        for (const socket of sockets) socket.destroy();
        return close(callback);
      }) as typeof tcp.close;
      return { udp, tcp, port };
    }
    try {
      udp.close();
    } catch {
      // never bound
    }
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
  }
  throw new Error('test DNS server: no port free for both UDP and TCP');
}
