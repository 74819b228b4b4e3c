/** One sub-command of `federation-hub`. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full `--help` text. */
  help: string;
  /** Runs with the arguments after the command name; resolves with the exit code. */
  run(argv: string[], io: Io): Promise<number>;
}

/** Where a command writes: the process's streams, or a test's buffers. */
export interface Io {
  out(line?: string): void;
  err(line?: string): void;
}

export const processIo: Io = {
  out: (line = '') => process.stdout.write(`${line}\n`),
  err: (line = '') => process.stderr.write(`${line}\n`),
};
