import { HubLogVerifier } from '../hub-log-verifier.js';
import { readLogState } from '../log-state.js';
import { UsageError } from './args.js';
import { readTextFile } from './files.js';

/** What `log verify` and `monitor` take to check the hub's log. */
export const LOG_OPTIONS = {
  hub: { type: 'string' },
  state: { type: 'string' },
  'log-key': { type: 'string' },
  'trust-on-first-use': { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const KEY_LINE = /^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$/;

/**
 * The log verifier for a command: the key from --log-key (the line itself, or a file holding it), else the one
 * pinned in the state file, else (only with --trust-on-first-use) the hub's published one, pinned from then on.
 */
export function logVerifierFrom(values: { hub?: string; state?: string; 'log-key'?: string; 'trust-on-first-use'?: boolean }, timeoutMs: number | undefined): HubLogVerifier {
  if (values.hub === undefined) throw new UsageError('--hub URL is required');
  let logKey = logKeyOption(values['log-key']);
  if (logKey === undefined && values.state !== undefined) logKey = readLogState(values.state)?.log_key;
  if (logKey === undefined && !values['trust-on-first-use']) {
    throw new UsageError(`--log-key is required (the line from ${values.hub.replace(/\/+$/, '')}/.well-known/federation-hub/log-key, from a trusted copy), or --trust-on-first-use`);
  }
  try {
    return new HubLogVerifier(values.hub, { logKey, trustLogKeyOnFirstUse: values['trust-on-first-use'], logStateFile: values.state, timeoutMs });
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
}

/** `--log-key KEY|FILE`: the verifier key line itself, or a file holding it. */
export function logKeyOption(option: string | undefined): string | undefined {
  if (option === undefined) return undefined;
  const logKey = KEY_LINE.test(option.trim()) ? option.trim() : readTextFile(option, 'log key file').trim();
  if (!KEY_LINE.test(logKey)) throw new UsageError(`--log-key ${option}: not a verifier key line <origin>+<8 hex>+<base64 key>`);
  return logKey;
}
