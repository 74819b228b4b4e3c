import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../packages/server/src/config/hub-config.js';
import { runHub } from '../support/hub-process.js';

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.publicUrl, 'http://localhost:8080');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.tokenTtlHours, 24);
    assert.equal(config.minRsaKeyBits, 2048);
    assert.deepEqual(config.contactLocalParts, ['webmaster']);
    assert.equal(config.mailFrom, 'Federation Hub <hub@localhost>');
  });

  it('derives PUBLIC_URL from PORT and parses lists', () => {
    const config = loadConfig({ PORT: '9000', CONTACT_LOCAL_PARTS: 'webmaster, hostmaster' });
    assert.equal(config.publicUrl, 'http://localhost:9000');
    assert.deepEqual(config.contactLocalParts, ['webmaster', 'hostmaster']);
  });

  it('names every bad variable and its rule, one line each', () => {
    assert.throws(
      () =>
        loadConfig({
          PORT: 'eighty',
          TOKEN_TTL_HOURS: '721',
          SMTP_URL: 'http://mail.example.com',
          CONTACT_LOCAL_PARTS: 'webmaster,root',
          DATABASE_URL: 'mysql://x',
          MAIL_FROM: 'Federation Hub',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems.sort(), [
          'CONTACT_LOCAL_PARTS must be a comma-separated subset of admin, administrator, webmaster, hostmaster, postmaster',
          'DATABASE_URL must be a URL starting with postgres:// or postgresql://',
          'MAIL_FROM must be an email address, optionally with a name: "Name <address@example.com>"',
          'PORT must be an integer between 0 and 65535',
          'SMTP_URL must be a URL starting with smtp:// or smtps://',
          'TOKEN_TTL_HOURS must be an integer between 1 and 720',
        ]);
        return true;
      },
    );
  });

  it('names DATABASE_URL, without its password, when the database cannot be reached at start', async () => {
    const hub = runHub({ PORT: '0', DATABASE_URL: 'postgres://hub:s3cret-pass@127.0.0.1:1/none', LOG_LEVEL: 'silent' });
    const code = await hub.exited;
    assert.equal(code, 1);
    assert.match(hub.output(), /cannot reach the database at DATABASE_URL=postgres:\/\/hub:\*\*\*@127\.0\.0\.1:1\/none: .*ECONNREFUSED/);
    assert.doesNotMatch(hub.output(), /s3cret-pass/);
  });

  it('stops start-up with the clear line and a non-zero exit code', async () => {
    const hub = runHub({ PORT: '70000', DATABASE_URL: 'postgres://127.0.0.1:1/none' });
    const code = await hub.exited;
    assert.notEqual(code, 0);
    assert.match(hub.output(), /^config error: PORT must be an integer between 0 and 65535$/m);
    assert.doesNotMatch(hub.output(), /listening/);
  });
});

describe('.env.example', () => {
  it('lists every variable the hub reads, and nothing else', async () => {
    const { readFileSync } = await import('node:fs');
    const { getMetadataStorage } = await import('class-validator');
    const { Environment } = await import('../../packages/server/src/config/environment.js');
    const example = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
    const listed = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]).sort();
    const read = [
      ...new Set(getMetadataStorage().getTargetValidationMetadatas(Environment, '', true, false).map((m) => m.propertyName)),
    ].sort();
    assert.deepEqual(listed, read);
  });

  it('gives every variable the default the hub applies (an empty value: unset by default)', async () => {
    const { readFileSync } = await import('node:fs');
    const { Environment } = await import('../../packages/server/src/config/environment.js');
    const example = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
    const documented = Object.fromEntries([...example.matchAll(/^([A-Z_]+)=(.*)$/gm)].map((match) => [match[1], match[2]]));
    const defaults = new Environment() as unknown as Record<string, unknown>;
    const differences = Object.entries(documented)
      .map(([name, value]) => [name, value, defaults[name] === undefined ? '' : String(defaults[name])])
      .filter(([, value, actual]) => value !== actual)
      .map(([name, value, actual]) => `${name}: .env.example says "${value}", the default is "${actual}"`);
    assert.deepEqual(differences, []);
    // The comparison itself works: a wrong value in the file would be caught.
    assert.equal(documented.DATABASE_POOL_SIZE, String(defaults.DATABASE_POOL_SIZE));
    assert.ok(Object.keys(documented).length >= 30);
  });
});
