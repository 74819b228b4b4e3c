/**
 * C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the text of a signed note that commits to a tree head.
 * "<origin>\n<tree size>\n<base64 root hash>\n", then optional extension lines.
 */
import { LogVerificationError } from './errors.js';
import { HASH_SIZE } from './merkle.js';

export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
}

export function formatCheckpoint({ origin, size, root }: { origin: string; size: number; root: Uint8Array }): string {
  if (!origin || /[\n]/.test(origin)) throw new TypeError('a checkpoint origin must be one non-empty line');
  if (!Number.isSafeInteger(size) || size < 0) throw new TypeError('a checkpoint size must be a non-negative integer');
  if (root.length !== HASH_SIZE) throw new TypeError('a checkpoint root must be 32 bytes');
  return `${origin}\n${size}\n${Buffer.from(root).toString('base64')}\n`;
}

/** Reads a checkpoint's text (the note text, signatures already removed by openNote). Strict: throws on any deviation. */
export function parseCheckpoint(text: string): Checkpoint & { extensions: string[] } {
  const bad = (why: string) => new LogVerificationError(`checkpoint: ${why}`);
  if (typeof text !== 'string' || !text.endsWith('\n')) throw bad('must end in a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw bad('needs an origin, a tree size and a root hash line');
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) throw bad('the origin line is empty');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) {
    throw bad('the tree size must be a decimal number without leading zeros');
  }
  const root = Buffer.from(rootLine, 'base64');
  if (root.length !== HASH_SIZE || root.toString('base64') !== rootLine) throw bad('the root hash must be the base64 of 32 bytes');
  if (extensions.some((line) => line.length === 0)) throw bad('extension lines must not be empty');
  return { origin, size: Number(sizeLine), root, extensions };
}
