#!/usr/bin/env node
import { createRequire } from 'node:module';
import { EXIT } from './args.js';
import { type Command, type Io, processIo } from './command.js';
import { checkCommand } from './commands/check.js';
import { fingerprintCommand } from './commands/fingerprint.js';
import { keygenCommand } from './commands/keygen.js';
import { logCommand } from './commands/log.js';
import { monitorCommand } from './commands/monitor.js';
import { registerCommand } from './commands/register.js';
import { resolveCommand } from './commands/resolve.js';
import { verifyCommand } from './commands/verify.js';

const COMMANDS: Command[] = [resolveCommand, checkCommand, registerCommand, verifyCommand, keygenCommand, fingerprintCommand, logCommand, monitorCommand];

const NAME_WIDTH = Math.max(...COMMANDS.map((command) => command.name.length));

const USAGE = `Usage: federation-hub <command> [options]

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(NAME_WIDTH)} ${command.summary}`).join('\n')}

Run "federation-hub <command> --help" for a command's options and exit codes.
"federation-hub --version" prints the version.`;

/** The installed package's own version (resolved by name, so it is right wherever the package is installed). */
const VERSION: string = createRequire(import.meta.url)('@federation-hub/client/package.json').version;

/** The command line over the client library; returns the exit code. */
async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    io.out(`federation-hub ${VERSION}`);
    return EXIT.ok;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((command) => command.name === rest[0]) : undefined;
    io.out(topic ? topic.help : USAGE);
    return name === undefined ? EXIT.usageOrNetwork : EXIT.ok;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    io.err(`federation-hub: unknown command "${name}"`);
    io.err(USAGE);
    return EXIT.usageOrNetwork;
  }
  // --help anywhere after the command shows its help, whatever else is on the line.
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.help);
    return EXIT.ok;
  }
  return command.run(rest, io);
}

main(process.argv.slice(2)).then(
  // Exit at once: an idle keep-alive connection to the hub must not hold the command open. (stdout and stderr are
  // synchronous for files and pipes on POSIX, so nothing printed is lost.)
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`federation-hub: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(70);
  },
);
