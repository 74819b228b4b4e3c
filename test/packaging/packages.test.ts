import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * The packages as a user gets them: `npm pack` both, install the client's tarball into a scratch project from local
 * paths, and use it there. Its dependencies are packed from the workspace's node_modules and installed from those
 * tarballs with --offline, so the test sends nothing to the registry.
 */
const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const CLIENT_SIZE_CAP = 5 * 1024 * 1024;
const npm = (args: string[], cwd: string) =>
  run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, maxBuffer: 32 * 1024 * 1024 });

interface Packed {
  name: string;
  version: string;
  filename: string;
  files: { path: string }[];
  dependencies: Record<string, string>;
}

/** Tarballs of the named packages and of everything they depend on, packed from the workspace's node_modules. */
async function packDependencies(names: string[], destination: string): Promise<string[]> {
  const seen = new Set<string>();
  const queue = [...names];
  const tarballs: string[] = [];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const directory = join(repoRoot, 'node_modules', name);
    const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
    queue.push(...Object.keys(manifest.dependencies ?? {}));
    const { stdout } = await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', destination, directory], repoRoot);
    tarballs.push(join(destination, (JSON.parse(stdout.slice(stdout.indexOf('['))) as Packed[])[0]!.filename));
  }
  return tarballs;
}

function bytesUnder(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((total, entry) => total + bytesUnder(join(path, entry)), 0);
}

describe('the published packages', { timeout: 240_000 }, () => {
  let work: string;
  let client: Packed;
  let server: Packed;
  let scratch: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'hub-pack-'));
    const { stdout } = await npm(['pack', '--json', '--pack-destination', work, '-w', '@federation-hub/client', '-w', '@federation-hub/server'], repoRoot);
    const packed = JSON.parse(stdout.slice(stdout.indexOf('['))) as Packed[];
    const manifest = (name: string) => JSON.parse(readFileSync(join(repoRoot, 'packages', name, 'package.json'), 'utf8'));
    client = { ...packed.find((entry) => entry.name === '@federation-hub/client')!, dependencies: manifest('client').dependencies };
    server = { ...packed.find((entry) => entry.name === '@federation-hub/server')!, dependencies: manifest('server').dependencies };
    scratch = join(work, 'chat-server');
    mkdirSync(scratch);
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'chat-server', version: '1.0.0', private: true }));
    const dependencies = await packDependencies(Object.keys(client.dependencies), work);
    await npm(['install', '--offline', join(work, client.filename), ...dependencies], scratch);
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('ship built code, README and LICENSE, and no sources, tests or tooling', () => {
    for (const pkg of [client, server]) {
      const paths = pkg.files.map((file) => file.path);
      for (const required of ['package.json', 'README.md', 'LICENSE']) assert.ok(paths.includes(required), `${pkg.name} lacks ${required}`);
      const stray = paths.filter((path) => /^(src|test|bench|\.ci|docs)\//.test(path) || (/\.ts$/.test(path) && !/\.d\.ts$/.test(path)));
      assert.deepEqual(stray, [], `${pkg.name} ships ${stray.join(', ')}`);
    }
    const clientPaths = client.files.map((file) => file.path);
    for (const file of ['bin/federation-hub.js', 'dist/index.js', 'dist/index.d.ts', 'dist/protocol/index.js', 'dist/cli/main.js']) assert.ok(clientPaths.includes(file), file);
    const serverPaths = server.files.map((file) => file.path);
    assert.ok(serverPaths.includes('bin/federation-hub-server.js') && serverPaths.includes('dist/src/main.js'));
    const migrations = readdirSync(join(repoRoot, 'packages/server/migrations')).filter((file) => file.endsWith('.ts'));
    for (const migration of migrations) assert.ok(serverPaths.includes(`dist/migrations/${migration.replace(/\.ts$/, '.js')}`), migration);
  });

  it('the client package installs in under 5 MB with its dependencies', () => {
    const size = bytesUnder(join(scratch, 'node_modules'));
    const installed = readdirSync(join(scratch, 'node_modules')).filter((entry) => !entry.startsWith('.')).sort();
    assert.deepEqual(installed, ['@federation-hub', 'jose', 'tldts', 'tldts-core']);
    assert.ok(size < CLIENT_SIZE_CAP, `installed size ${size} bytes`);
    assert.ok(size > 100_000, 'the size was measured on the installed files');
  });

  it('its CLI runs from the installed bin, with --version', async () => {
    const bin = join(scratch, 'node_modules/.bin/federation-hub');
    const version = await run(bin, ['--version']);
    assert.equal(version.stdout.trim(), `federation-hub ${client.version}`);
    const help = await run(bin, ['--help']);
    assert.match(help.stdout, /Usage: federation-hub <command>/);
    const keygen = await run(bin, ['keygen', '--out', join(work, 'keys'), '--type', 'ec', '--domain', 'chat.example.com']);
    assert.match(keygen.stdout, /rocketchat-public-key\.chat\.example\.com/);
  });

  it('imports from ESM and from CommonJS', async () => {
    writeFileSync(
      join(scratch, 'esm.mjs'),
      "import { FederationResolver, normalizeDomain } from '@federation-hub/client';\n" +
        "import { parsePublicKey } from '@federation-hub/client/protocol';\n" +
        "console.log(typeof FederationResolver, normalizeDomain('Chat.Example.COM.'), typeof parsePublicKey);\n",
    );
    writeFileSync(
      join(scratch, 'cjs.cjs'),
      "import('@federation-hub/client').then((m) => console.log(typeof m.FederationResolver, m.normalizeDomain('Chat.Example.COM.')));\n",
    );
    assert.equal((await run(process.execPath, ['esm.mjs'], { cwd: scratch })).stdout.trim(), 'function chat.example.com function');
    assert.equal((await run(process.execPath, ['cjs.cjs'], { cwd: scratch })).stdout.trim(), 'function chat.example.com');
  });

  it('type-checks from ESM and CommonJS with moduleResolution nodenext', async () => {
    writeFileSync(
      join(scratch, 'check.mts'),
      "import { FederationResolver, type ResolvedPeer } from '@federation-hub/client';\n" +
        "import { normalizeDomain } from '@federation-hub/client/protocol';\n" +
        "const resolver = new FederationResolver({ hubUrl: 'https://hub.example.org' });\n" +
        "export const peer: Promise<ResolvedPeer> = resolver.resolve(normalizeDomain('chat.example.com'));\n",
    );
    writeFileSync(
      join(scratch, 'check.cts'),
      "export async function load(): Promise<string> {\n" +
        "  const client = await import('@federation-hub/client');\n" +
        "  return client.normalizeDomain('chat.example.com');\n}\n",
    );
    writeFileSync(join(scratch, 'wrong.mts'), "import { normalizeDomain } from '@federation-hub/client';\nexport const n: number = normalizeDomain('x.example');\n");
    const tsconfig = (files: string[]) => ({
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2023',
        strict: true,
        noEmit: true,
        types: ['node'],
        typeRoots: [join(repoRoot, 'node_modules/@types')],
      },
      files,
    });
    writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify(tsconfig(['check.mts', 'check.cts'])));
    writeFileSync(join(scratch, 'tsconfig.wrong.json'), JSON.stringify(tsconfig(['wrong.mts'])));
    const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: scratch });
    // The types are really read: a wrong use fails to compile.
    await assert.rejects(run(process.execPath, [tsc, '-p', 'tsconfig.wrong.json'], { cwd: scratch }), (error: { stdout: string }) => {
      assert.match(error.stdout, /Type 'string' is not assignable to type 'number'/);
      return true;
    });
  });

  it('the server package depends on this very client version, and its bin answers --version', async () => {
    assert.equal(server.dependencies['@federation-hub/client'], client.version);
    const bin = join(repoRoot, 'packages/server', JSON.parse(readFileSync(join(repoRoot, 'packages/server/package.json'), 'utf8')).bin['federation-hub-server']);
    assert.ok(server.files.some((file) => join(repoRoot, 'packages/server', file.path) === bin), 'the bin is in the tarball');
    assert.equal((await run(process.execPath, [bin, '--version'])).stdout.trim(), `federation-hub-server ${server.version}`);
    const usage = await run(process.execPath, [bin, '--help']);
    assert.match(usage.stdout, /Usage: federation-hub-server/);
  });
});
