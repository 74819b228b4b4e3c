import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * A chat server embeds the client without the hub: the compiled client and protocol code may import only Node's
 * own modules, jose and tldts, and each other, never NestJS, TypeORM or any other part of the hub.
 */
const compiledSrc = fileURLToPath(new URL('../../src/', import.meta.url));
const repoRoot = resolve(compiledSrc, '../..');
const ALLOWED_PACKAGES = new Set(['jose', 'tldts']);
const FRAMEWORK_FREE = ['client', 'protocol'];

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
  const files = FRAMEWORK_FREE.flatMap((part) => filesUnder(join(compiledSrc, part)));

  it('has compiled files to check', () => {
    assert.ok(files.some((file) => file.endsWith(join('client', 'index.js'))));
    assert.ok(files.some((file) => file.endsWith(join('protocol', 'index.js'))));
  });

  it('finds the imports it is meant to police (the scanner works)', () => {
    const all = new Set(files.flatMap((file) => specifiers(readFileSync(file, 'utf8'))));
    for (const expected of ['jose', 'tldts', 'node:crypto', './resolver.js']) assert.ok(all.has(expected), `${expected} not seen`);
    assert.deepEqual(specifiers("import x from '@nestjs/common'; export * from 'typeorm'; await import('pg');"), ['@nestjs/common', 'typeorm', 'pg']);
  });

  it('imports only node:*, jose, tldts and files of src/client and src/protocol', () => {
    const offences: string[] = [];
    for (const file of files) {
      for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
        if (specifier.startsWith('node:')) continue;
        if (specifier.startsWith('.')) {
          const target = relative(compiledSrc, resolve(dirname(file), specifier));
          if (!FRAMEWORK_FREE.some((part) => target.startsWith(`${part}/`))) offences.push(`${relative(compiledSrc, file)} → ${specifier}`);
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

  it('is published as the ./client subpath with its type declarations, and the CLI as the bin', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    assert.deepEqual(pkg.exports['./client'], { types: './dist/client/index.d.ts', default: './dist/client/index.js' });
    assert.equal(pkg.bin['federation-hub'], 'dist/cli/main.js');
    // dist/ is src/ compiled by tsconfig.build.json: the sources those paths come from must exist.
    assert.ok(existsSync(join(repoRoot, 'src/client/index.ts')));
    assert.ok(existsSync(join(repoRoot, 'src/cli/main.ts')));
    assert.ok(readFileSync(join(repoRoot, 'src/cli/main.ts'), 'utf8').startsWith('#!/usr/bin/env node\n'));
    for (const dependency of ALLOWED_PACKAGES) assert.ok(pkg.dependencies[dependency], `${dependency} must be a runtime dependency`);
  });
});
