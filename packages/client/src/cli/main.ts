#!/usr/bin/env node
import { EXIT } from './args.js';
import { type Command, type Io, processIo } from './command.js';
import { checkCommand } from './commands/check.js';
import { keygenCommand } from './commands/keygen.js';
import { logCommand } from './commands/log.js';
import { monitorCommand } from './commands/monitor.js';
import { registerCommand } from './commands/register.js';
import { resolveCommand } from './commands/resolve.js';

const COMMANDS: Command[] = [resolveCommand, checkCommand, registerCommand, keygenCommand, logCommand, monitorCommand];

const USAGE = `Usage: federation-hub <command> [options]

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(9)} ${command.summary}`).join('\n')}

Run "federation-hub <command> --help" for a command's options and exit codes.`;

/** The command line over the client library; returns the exit code. */
async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
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
