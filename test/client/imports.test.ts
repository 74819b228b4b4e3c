import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * A chat server embeds the client package without the hub: its built code (packages/client/dist, what the package
 * ships) may import only Node's own modules, jose and tldts, and its own files, never NestJS, TypeORM or the server.
 */
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const clientRoot = join(repoRoot, 'packages/client');
const compiledSrc = join(clientRoot, 'dist');
const ALLOWED_PACKAGES = new Set(['jose', 'tldts']);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : entry.name.endsWith('.js') ? [path] : [];
  });
}

/** Every module a file loads (static, re-export, dynamic, require), found by TypeScript's own scanner, not a regex. */
function specifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
}

describe('the client and protocol code is framework-free', () => {
  const files = filesUnder(compiledSrc);

  it('has compiled files to check', () => {
    assert.ok(files.some((file) => file === join(compiledSrc, 'index.js')));
    assert.ok(files.some((file) => file.endsWith(join('protocol', 'index.js'))));
  });

  it('finds the imports it is meant to police (the scanner works)', () => {
    const all = new Set(files.flatMap((file) => specifiers(readFileSync(file, 'utf8'))));
    for (const expected of ['jose', 'tldts', 'node:crypto', './resolver.js']) assert.ok(all.has(expected), `${expected} not seen`);
    assert.deepEqual(specifiers("import x from '@nestjs/common'; export * from 'typeorm'; await import('pg');"), ['@nestjs/common', 'typeorm', 'pg']);
  });

  it('imports only node:*, jose, tldts and files of its own package', () => {
    const offences: string[] = [];
    for (const file of files) {
      for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
        if (specifier.startsWith('node:')) continue;
        if (specifier.startsWith('.')) {
          const target = relative(compiledSrc, resolve(dirname(file), specifier));
          if (target.startsWith('..')) offences.push(`${relative(compiledSrc, file)} → ${specifier}`);
          continue;
        }
        if (!ALLOWED_PACKAGES.has(specifier.split('/')[0]!)) offences.push(`${relative(compiledSrc, file)} → ${specifier}`);
      }
    }
    assert.deepEqual(offences, []);
  });

  it('never mentions @nestjs or typeorm in an import', () => {
    for (const file of files) {
      for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
        assert.doesNotMatch(specifier, /@nestjs|typeorm|reflect-metadata|class-validator/, relative(compiledSrc, file));
      }
    }
  });

  it('declares its entry points with types, the CLI as its bin, and exactly its runtime dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(clientRoot, 'package.json'), 'utf8'));
    assert.deepEqual(pkg.exports['.'], { types: './dist/index.d.ts', default: './dist/index.js' });
    assert.deepEqual(pkg.exports['./protocol'], { types: './dist/protocol/index.d.ts', default: './dist/protocol/index.js' });
    assert.equal(pkg.type, 'module');
    assert.equal(pkg.bin['federation-hub'], 'bin/federation-hub.js');
    assert.match(readFileSync(join(clientRoot, pkg.bin['federation-hub']), 'utf8'), /^#!\/usr\/bin\/env node\n[\s\S]*import "\.\.\/dist\/cli\/main\.js";/);
    assert.ok(existsSync(join(clientRoot, 'dist/cli/main.js')));
    assert.ok(readFileSync(join(clientRoot, 'src/cli/main.ts'), 'utf8').startsWith('#!/usr/bin/env node\n'));
    assert.deepEqual(Object.keys(pkg.dependencies).sort(), [...ALLOWED_PACKAGES].sort());
  });

  it('is what the server imports its protocol rules from (one copy of each rule)', () => {
    const serverSrc = join(repoRoot, 'packages/server/src');
    const sources = (function walk(dir: string): string[] {
      return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? walk(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
      );
    })(serverSrc);
    const fromClient = sources.filter((file) => specifiers(readFileSync(file, 'utf8')).some((spec) => spec.startsWith('@federation-hub/client')));
    assert.ok(fromClient.length >= 5, `only ${fromClient.length} server files import the client package`);
    for (const file of sources) {
      for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
        assert.ok(!/packages\/client|\/protocol\//.test(specifier), `${relative(serverSrc, file)} reaches into the client's files: ${specifier}`);
      }
    }
  });
});
