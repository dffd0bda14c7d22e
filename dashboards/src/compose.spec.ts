import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

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
      services: Record<string, { ports?: Array<{ host_ip?: string } | string>; healthcheck?: unknown; depends_on?: Record<string, { condition: string }>; profiles?: string[]; environment?: Record<string, string> }>;
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
