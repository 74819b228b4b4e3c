#!/usr/bin/env node
import { createRequire } from 'node:module';
import { ConfigError, loadConfig, loadDotEnv } from './config/hub-config.js';
import { startHub } from './hub.js';

const USAGE = `Usage: federation-hub-server [--version | --help]

Runs the federation hub. All settings come from the environment or a .env file in the working directory
(see .env.example in the package); with none, it uses an embedded PostgreSQL in ./.data and a file mailbox.`;

async function main(): Promise<void> {
  const argument = process.argv[2];
  if (argument === '--version' || argument === '-V') {
    console.log(`federation-hub-server ${createRequire(import.meta.url)('@federation-hub/server/package.json').version}`);
    return;
  }
  if (argument !== undefined) {
    (argument === '--help' || argument === '-h' ? console.log : console.error)(USAGE);
    process.exit(argument === '--help' || argument === '-h' ? 0 : 64);
  }
  loadDotEnv();
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) console.error(`config error: ${problem}`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }

  const hub = await startHub(config);
  console.log(`federation hub listening on ${hub.url} (public URL ${config.publicUrl})`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received: shutting down`);
    const deadline = setTimeout(() => {
      console.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    deadline.unref();
    hub.close().then(
      () => process.exit(0),
      (error) => {
        console.error('shutdown failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error) => {
  console.error('federation hub failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
