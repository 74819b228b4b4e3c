import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit codes shared by every command (see each command's help). */
export const EXIT = {
  /** Found, works, done. */
  ok: 0,
  /** A definite "no": not found, the set-up does not work, the hub refused. */
  no: 1,
  /** Wrong usage, unreadable input, or the network (DNS, hub) could not answer. */
  usageOrNetwork: 2,
} as const;

/** Wrong usage: printed with the command's help hint, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every network command takes. */
export const NETWORK_OPTIONS = {
  dns: { type: 'string', multiple: true },
  hub: { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** What the commands that look a domain up (resolve, check) take on top of the network options. */
export const LOOKUP_OPTIONS = {
  ...NETWORK_OPTIONS,
  json: { type: 'boolean' },
  'hub-jwks': { type: 'string' },
  'min-rsa-bits': { type: 'string' },
} as const satisfies Options;

type Parsed<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>>;

/** node:util parseArgs, strict, with its errors turned into UsageError (one clear line). */
export function parse<T extends Options>(argv: string[], options: T, positionals: number): Parsed<T> {
  let parsed: Parsed<T>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, ''));
  }
  if (!(parsed.values as { help?: boolean }).help && parsed.positionals.length !== positionals) {
    throw new UsageError(
      positionals === 0 ? `unexpected argument "${parsed.positionals[0]}"` : `expected ${positionals} argument(s), got ${parsed.positionals.length}`,
    );
  }
  return parsed;
}

export function timeoutOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 1 || ms > 60_000) throw new UsageError('--timeout must be a number of milliseconds from 1 to 60000');
  return ms;
}

export function intOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return number;
}
