import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { loadAlertsConfig } from '@gridproof/alerts';
import { SERVER_NODE_ARGS } from '../../libs/testing/src/faults/gridproof-process';

/**
 * docker-compose.yml, validated offline by Debian's docker-compose (1.29): no engine needed,
 * so CI proves the file parses, interpolates and references only defined volumes/services.
 */
const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);
const SECRETS = {
  GRAFANA_ADMIN_PASSWORD: 'test-only-grafana',
  POSTGRES_PASSWORD: 'test-only-postgres',
  CHAIN_PRIVATE_KEY: `0x${'11'.repeat(32)}`,
};

// An empty env file, so a developer's .env next to the compose file does not leak in.
const scratch = mkdtempSync(join(tmpdir(), 'gp-compose-'));
const EMPTY_ENV_FILE = join(scratch, 'empty.env');
writeFileSync(EMPTY_ENV_FILE, '');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * What the runtime stage of the Dockerfile holds: its WORKDIR, its CMD, and the paths it copies
 * from the build stage, mapped back to the repository (the build stage copies the repository
 * to its WORKDIR and runs `npm run build` there, so /app/dist is the repository's dist/).
 */
function runtimeImage() {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const stages = text.split(/^FROM\s+/m).slice(1);
  const workdirOf = (stage: string) => /^WORKDIR\s+(\S+)/m.exec(stage)?.[1] ?? '/';
  const buildStage = stages.find((s) => /^\S+\s+AS\s+build\b/i.test(s));
  if (!buildStage) throw new Error('Dockerfile has no build stage');
  const buildDir = workdirOf(buildStage);
  const runtime = stages.at(-1)!;
  const workdir = workdirOf(runtime);
  const copies = [...runtime.matchAll(/^COPY\s+--from=build\s+(.+)$/gm)].flatMap((m) => {
    const args = m[1]!.trim().split(/\s+/);
    const dest = posix.resolve(workdir, args.at(-1)!);
    return args.slice(0, -1).map((src) => ({ image: args.length > 2 || dest.endsWith('/') ? posix.join(dest, posix.basename(src)) : dest, repo: posix.relative(buildDir, src) }));
  });
  const user = [...runtime.matchAll(/^USER\s+(\S+)/gm)].at(-1)?.[1] ?? 'root';
  const nodeImage = /^ARG\s+NODE_IMAGE=(\S+)/m.exec(text)?.[1] ?? '';
  const cmd = JSON.parse(/^CMD\s+(\[.*\])\s*$/m.exec(runtime)?.[1] ?? '[]') as string[];
  /** The repository file behind a path inside the image (relative paths from WORKDIR), or null. */
  const repoPathOf = (path: string): string | null => {
    const abs = posix.resolve(workdir, path);
    const copy = copies.find((c) => abs === c.image || abs.startsWith(`${c.image}/`));
    return copy ? join(ROOT, copy.repo, posix.relative(copy.image, abs)) : null;
  };
  return { workdir, cmd, user, nodeImage, repoPathOf };
}

/** docker-compose with only the given environment. */
function compose(env: Record<string, string>, ...args: string[]) {
  return run('docker-compose', ['--env-file', EMPTY_ENV_FILE, '-f', 'docker-compose.yml', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
  });
}

describe('docker-compose.yml', () => {
  it('is accepted by `docker-compose config`', async () => {
    await expect(compose(SECRETS, 'config', '-q')).resolves.toBeDefined();
  });

  it.each(Object.keys(SECRETS))('refuses to start without %s', async (secret) => {
    const env: Record<string, string> = { ...SECRETS };
    delete env[secret];
    await expect(compose(env, 'config', '-q')).rejects.toMatchObject({ stderr: expect.stringContaining(secret) });
  });

  describe('resolved with defaults', () => {
    let config: {
      services: Record<
        string,
        {
          ports?: Array<{ host_ip?: string } | string>;
          healthcheck?: unknown;
          depends_on?: Record<string, { condition: string }>;
          profiles?: string[];
          environment?: Record<string, string>;
          command?: string[];
          user?: string;
          volumes?: Array<{ target: string } | string>;
        }
      >;
    };
    beforeAll(async () => {
      config = parse((await compose(SECRETS, 'config')).stdout);
    });

    it('publishes every port on 127.0.0.1 only', () => {
      const ports = Object.values(config.services).flatMap((s) => s.ports ?? []);
      expect(ports.length).toBeGreaterThan(0);
      for (const p of ports) expect(typeof p === 'string' ? p : p.host_ip).toMatch(/^127\.0\.0\.1/);
    });

    it('gives every long-running service a healthcheck and waits for healthy dependencies', () => {
      for (const [name, s] of Object.entries(config.services)) {
        if (!s.profiles) expect([name, s.healthcheck]).toEqual([name, expect.anything()]);
        for (const dep of Object.values(s.depends_on ?? {})) expect(dep.condition).toBe('service_healthy');
      }
    });

    it('keeps firmware-sim behind the sim profile', () => {
      expect(config.services['firmware-sim']!.profiles).toEqual(['sim']);
    });

    describe('firmware-sim', () => {
      const image = runtimeImage();
      const command = () => config.services['firmware-sim']!.command ?? [];
      const option = (name: string) => command()[command().indexOf(name) + 1];

      it('runs the simulator CLI from a script the image holds after `npm run build`', () => {
        const [node, script] = command();
        expect(node).toBe('node');
        const built = image.repoPathOf(script!);
        expect(built).toBe(join(ROOT, 'dist', 'firmware-sim', 'src', 'cli.js'));
        if (!existsSync(built!)) throw new Error(`${script} is not in the image: ${built} does not exist after \`npm run build\``);
      });

      it('passes only options the simulator\'s `run` command knows, and its fleet file is in the image', async () => {
        const [, script, subcommand] = command();
        expect(subcommand).toBe('run');
        const help = (await run(process.execPath, [image.repoPathOf(script!)!, 'run', '--help'], { cwd: ROOT })).stdout;
        for (const flag of command().filter((arg) => arg.startsWith('--'))) expect([flag, help.includes(`${flag} `)]).toEqual([flag, true]);
        const fleet = image.repoPathOf(option('--fleet')!);
        expect(fleet && existsSync(fleet)).toBe(true);
      });

      it('keeps its state and labels on its volume (the image user cannot write elsewhere)', () => {
        const targets = (config.services['firmware-sim']!.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[1]! : v.target));
        for (const flag of ['--state', '--labels']) {
          expect(targets.some((t) => option(flag)!.startsWith(`${t}/`))).toBe(true);
        }
      });

      it('reads its API key from GP_SIM_API_KEY', () => {
        expect(config.services['firmware-sim']!.environment).toHaveProperty('GP_SIM_API_KEY');
        expect(command()).not.toContain('--api-key');
      });
    });

    it('builds GridProof on Node 20 or newer and runs it as a non-root user', () => {
      const image = runtimeImage();
      expect(Number(/^node:(\d+)/.exec(image.nodeImage)?.[1])).toBeGreaterThanOrEqual(20);
      expect(['root', '0']).not.toContain(image.user);
    });

    it('starts GridProof from a script the image holds after `npm run build`', () => {
      const image = runtimeImage();
      expect(image.cmd[0]).toBe('node');
      const built = image.repoPathOf(image.cmd.at(-1)!);
      expect(built && existsSync(built)).toBe(true);
    });

    it('runs GridProof with the same node flags as `npm start` and the tests (SERVER_NODE_ARGS)', () => {
      expect(runtimeImage().cmd.slice(1, -1)).toEqual(SERVER_NODE_ARGS);
      const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start;
      expect(start).toContain(`node ${SERVER_NODE_ARGS.join(' ')} dist/apps/gridproof/src/main.js`);
    });

    it('mounts an alert routing file that GridProof loads (GP_ALERTS_CONFIG)', () => {
      const gridproof = config.services.gridproof!;
      const target = gridproof.environment!.GP_ALERTS_CONFIG!;
      // docker-compose 1.29 prints volumes in the short form, source:target:mode.
      const mount = (gridproof.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':') : [])).find(([, t]) => t === target);
      expect(mount).toEqual([join(ROOT, 'config', 'alerts.compose.yaml'), target, 'ro']);
      const routing = loadAlertsConfig(mount![0]!, {});
      expect(routing.receivers.map((r) => Object.keys(r).filter((k) => k.endsWith('_configs')).sort())).toEqual([['log_configs', 'mqtt_configs']]);
    });

    it('points GridProof at the compose InfluxDB, Postgres and chain, listening on all container interfaces', () => {
      expect(config.services.gridproof!.environment).toMatchObject({
        GP_HOST: '0.0.0.0',
        INFLUX_URL: 'http://influxdb:8086',
        DATABASE_URL: `postgres://gridproof:${SECRETS.POSTGRES_PASSWORD}@postgres:5432/gridproof`,
        CHAIN_RPC_URL: 'http://chain:8545',
      });
    });
  });
});
