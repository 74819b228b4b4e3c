/**
 * The few parts of the DNS wire format (RFC 1035) the client needs: one question out, the answer, authority and
 * TTLs back. Node's own resolver hides TTLs for SRV and TXT, and the resolver must cache for exactly the TTL the
 * zone publishes, hence this small codec. Decoding is defensive: a hostile or broken server gets a DnsWireError,
 * never an exception from deep inside, an endless compression loop or an out-of-range read.
 */

export const RRTYPE = { A: 1, CNAME: 5, SOA: 6, TXT: 16, AAAA: 28, SRV: 33, OPT: 41 } as const;
export type QueryType = 'A' | 'AAAA' | 'SRV' | 'TXT';

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** EDNS payload size we advertise: the 2020 DNS flag day value, safe from IP fragmentation. */
export const EDNS_UDP_PAYLOAD = 1232;

export interface SrvData {
  priority: number;
  weight: number;
  port: number;
  /** Lower case, without the trailing dot; '' for the root (".": "service not available here"). */
  target: string;
}

export interface SoaData {
  minimum: number;
}

export type RecordData =
  | { type: 'SRV'; value: SrvData }
  | { type: 'TXT'; value: string[] }
  | { type: 'A' | 'AAAA'; value: string }
  | { type: 'CNAME'; value: string }
  | { type: 'SOA'; value: SoaData }
  | { type: 'OTHER'; value: null };

export type ResourceRecord = RecordData & { name: string; ttl: number };

export interface DnsMessage {
  id: number;
  isResponse: boolean;
  truncated: boolean;
  rcode: number;
  question: { name: string; type: number } | undefined;
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
}

export class DnsWireError extends Error {
  constructor(detail: string) {
    super(`malformed DNS message: ${detail}`);
    this.name = 'DnsWireError';
  }
}

/** A recursive query (RD) for one name and type, with an EDNS OPT record so large TXT answers fit in UDP. */
export function encodeQuery(id: number, name: string, type: QueryType): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4); // QDCOUNT
  header.writeUInt16BE(1, 10); // ARCOUNT: the OPT record
  const question = Buffer.concat([encodeName(name), u16(RRTYPE[type]), u16(1 /* IN */)]);
  // OPT: root name, type 41, class = UDP payload size, TTL 0 (extended rcode, version 0, no DO), no options.
  const opt = Buffer.concat([Buffer.from([0]), u16(RRTYPE.OPT), u16(EDNS_UDP_PAYLOAD), Buffer.alloc(4), u16(0)]);
  return Buffer.concat([header, question, opt]);
}

export function encodeName(name: string): Buffer {
  const trimmed = name.replace(/\.$/, '');
  const labels = trimmed === '' ? [] : trimmed.split('.');
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length === 0 || bytes.length > 63) throw new RangeError(`DNS label "${label}" must be 1 to 63 octets`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const encoded = Buffer.concat(parts);
  if (encoded.length > 255) throw new RangeError('DNS name longer than 255 octets');
  return encoded;
}

export function decodeMessage(buffer: Buffer): DnsMessage {
  const reader = new Reader(buffer);
  const id = reader.u16();
  const flags = reader.u16();
  const counts = [reader.u16(), reader.u16(), reader.u16(), reader.u16()] as const;
  let question: DnsMessage['question'];
  for (let i = 0; i < counts[0]; i++) {
    const name = reader.name();
    const type = reader.u16();
    reader.u16(); // class
    question ??= { name, type };
  }
  const answers = readRecords(reader, counts[1]);
  const authorities = readRecords(reader, counts[2]);
  // The additional section (OPT, glue) is not needed.
  return {
    id,
    isResponse: (flags & 0x8000) !== 0,
    truncated: (flags & 0x0200) !== 0,
    rcode: flags & 0x000f,
    question,
    answers,
    authorities,
  };
}

function readRecords(reader: Reader, count: number): ResourceRecord[] {
  const records: ResourceRecord[] = [];
  for (let i = 0; i < count; i++) {
    const name = reader.name();
    const type = reader.u16();
    reader.u16(); // class
    // RFC 2181 §8: a TTL with the top bit set is treated as zero.
    const rawTtl = reader.u32();
    const ttl = rawTtl > 0x7fffffff ? 0 : rawTtl;
    const length = reader.u16();
    const end = reader.offset + length;
    if (end > reader.length) throw new DnsWireError('record data runs past the end of the message');
    records.push({ name, ttl, ...readData(reader, type, length) } as ResourceRecord);
    if (reader.offset > end) throw new DnsWireError('record data longer than its declared length');
    reader.offset = end;
  }
  return records;
}

function readData(reader: Reader, type: number, length: number): RecordData {
  switch (type) {
    case RRTYPE.SRV: {
      const priority = reader.u16();
      const weight = reader.u16();
      const port = reader.u16();
      return { type: 'SRV', value: { priority, weight, port, target: reader.name() } };
    }
    case RRTYPE.TXT: {
      const strings: string[] = [];
      const end = reader.offset + length;
      while (reader.offset < end) {
        const size = reader.u8();
        if (reader.offset + size > end) throw new DnsWireError('TXT string runs past its record');
        strings.push(reader.bytes(size).toString('utf8'));
      }
      return { type: 'TXT', value: strings };
    }
    case RRTYPE.A:
      if (length !== 4) throw new DnsWireError('A record is not 4 octets');
      return { type: 'A', value: [...reader.bytes(4)].join('.') };
    case RRTYPE.AAAA: {
      if (length !== 16) throw new DnsWireError('AAAA record is not 16 octets');
      const bytes = reader.bytes(16);
      const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16));
      return { type: 'AAAA', value: groups.join(':') };
    }
    case RRTYPE.CNAME:
      return { type: 'CNAME', value: reader.name() };
    case RRTYPE.SOA: {
      reader.name(); // primary
      reader.name(); // admin
      reader.bytes(16); // serial, refresh, retry, expire
      return { type: 'SOA', value: { minimum: reader.u32() } };
    }
    default:
      return { type: 'OTHER', value: null };
  }
}

class Reader {
  offset = 0;
  constructor(private readonly buffer: Buffer) {}

  get length(): number {
    return this.buffer.length;
  }

  private need(size: number): void {
    if (this.offset + size > this.buffer.length) throw new DnsWireError('message ends early');
  }

  u8(): number {
    this.need(1);
    return this.buffer[this.offset++]!;
  }

  u16(): number {
    this.need(2);
    const value = this.buffer.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  u32(): number {
    this.need(4);
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  bytes(size: number): Buffer {
    this.need(size);
    const slice = this.buffer.subarray(this.offset, this.offset + size);
    this.offset += size;
    return slice;
  }

  /** A possibly compressed name (RFC 1035 §4.1.4), lower-cased, without the trailing dot. */
  name(): string {
    const labels: string[] = [];
    let position = this.offset;
    let resumeAt: number | undefined;
    let octets = 0;
    for (let jumps = 0; ; ) {
      if (position >= this.buffer.length) throw new DnsWireError('name runs past the end of the message');
      const size = this.buffer[position]!;
      if (size === 0) {
        position += 1;
        break;
      }
      if ((size & 0xc0) === 0xc0) {
        if (position + 1 >= this.buffer.length) throw new DnsWireError('compression pointer runs past the end');
        if (++jumps > 32) throw new DnsWireError('compression pointers loop');
        resumeAt ??= position + 2;
        position = ((size & 0x3f) << 8) | this.buffer[position + 1]!;
        continue;
      }
      if ((size & 0xc0) !== 0) throw new DnsWireError('unknown label type');
      if (position + 1 + size > this.buffer.length) throw new DnsWireError('label runs past the end of the message');
      octets += size + 1;
      if (octets > 255) throw new DnsWireError('name longer than 255 octets');
      labels.push(this.buffer.subarray(position + 1, position + 1 + size).toString('latin1').toLowerCase());
      position += 1 + size;
    }
    this.offset = resumeAt ?? position;
    return labels.join('.');
  }
}

function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value);
  return buffer;
}
