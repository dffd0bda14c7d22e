/**
 * `npm run sim -- run` as a user runs it, against the real app: the simulator CLI (compiled from
 * these sources as `npm run build` does, in a private folder) provisions its devices through the
 * REST API with an operator key (httpProvisioner), publishes signed readings over MQTT, and every
 * reading the broker acknowledged is in InfluxDB.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { E2eApp, startE2eApp } from '../../../apps/gridproof/test/e2e/e2e-app';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..', '..');

const FLEET = `
name: e2e
seed: 7
defaults: { intervalS: 1, bufferSize: 100 }
sites:
  - { id: lab, name: Lab, lat: 47.99, lon: 7.85 }
devices:
  - { id: sim-meter-01, type: smart-meter, site: lab, params: { profile: residential } }
  - { id: sim-wx-01, type: weather, site: lab }
`;

describe('gridproof-sim run', () => {
  let app: E2eApp;
  let dir: string;
  let cliPath: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gp-sim-cli-'));
    // The same compilation as `npm run build` (swc, .swcrc), into a private folder: dist/ may
    // be older than the sources, and other processes may be running from it.
    const build = join(dir, 'build');
    execFileSync(join(ROOT, 'node_modules', '.bin', 'swc'), ['firmware-sim', 'libs', '-d', build, '--config-file', '.swcrc', '--quiet', '--ignore', '**/*.spec.ts'], { cwd: ROOT, stdio: 'pipe' });
    symlinkSync(join(ROOT, 'node_modules'), join(build, 'node_modules'), 'dir');
    cliPath = join(build, 'firmware-sim', 'src', 'cli.js');
    writeFileSync(join(dir, 'fleet.yaml'), FLEET);
    app = await startE2eApp();
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function runSim(args: string[]): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [cliPath, 'run', ...args], { cwd: dir, env: { ...process.env, GP_SIM_API_KEY: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
      child.once('error', reject);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });
  }

  it('provisions the fleet through the API with an operator key and lands every acknowledged reading in InfluxDB', async () => {
    const operatorKey = await app.createKey('operator');
    const { code, out } = await runSim([
      '--fleet', join(dir, 'fleet.yaml'),
      '--broker', `mqtt://127.0.0.1:${app.running.config.mqtt.port}`,
      '--api', app.running.apiUrl,
      '--api-key', operatorKey,
      '--duration', '4',
      '--state', join(dir, 'state.json'),
      '--labels', join(dir, 'labels.csv'),
    ]);
    expect({ code, out }).toMatchObject({ code: 0 });

    // Registered through POST /api/devices, with the type and site of the fleet file.
    for (const [id, type] of [['sim-meter-01', 'smart-meter'], ['sim-wx-01', 'weather']]) {
      const device = await app.api<{ id: string; type: string; site: { id: string } }>(`/api/devices/${id}`);
      expect(device.status).toBe(200);
      expect(device.body).toMatchObject({ id, type, site: { id: 'lab' } });
    }

    // The final status line counts PUBACKs; each one means "durable", so InfluxDB holds them all.
    const acked = Number(/acked (\d+)/.exec(out.trim().split('\n').filter((l) => l.includes('acked')).pop() ?? '')?.[1]);
    expect(acked).toBeGreaterThanOrEqual(4);
    const q = `SELECT count("seq") FROM "energy","environment" WHERE "device" = 'sim-meter-01' OR "device" = 'sim-wx-01'`;
    const res = await fetch(`${app.influxUrl}/query?db=${app.database}&q=${encodeURIComponent(q)}`);
    const body = (await res.json()) as { results: Array<{ series?: Array<{ values: Array<[string, number]> }> }> };
    const stored = (body.results[0].series ?? []).reduce((sum, s) => sum + s.values[0][1], 0);
    expect(stored).toBe(acked);
  });

  it('resumes an accelerated run after the previous run\'s last reading, so the ingest accepts every reading of the second run', async () => {
    const operatorKey = await app.createKey('operator');
    writeFileSync(join(dir, 'fast.yaml'), FLEET.replace(/sim-meter-01/g, 'fast-meter-01').replace(/sim-wx-01/g, 'fast-wx-01').replace('intervalS: 1', 'intervalS: 60'));
    const run = () =>
      runSim([
        '--fleet', join(dir, 'fast.yaml'),
        '--broker', `mqtt://127.0.0.1:${app.running.config.mqtt.port}`,
        '--api', app.running.apiUrl,
        '--api-key', operatorKey,
        '--speed', '600',
        '--duration', '3',
        '--state', join(dir, 'fast-state.json'),
        '--labels', join(dir, 'fast-labels.csv'),
      ]);
    const ackedOf = (out: string) => Number(/acked (\d+)/.exec(out.trim().split('\n').filter((l) => l.includes('acked')).pop() ?? '')?.[1]);
    const stored = async () => {
      const q = `SELECT count("seq") FROM "energy","environment" WHERE "device" = 'fast-meter-01' OR "device" = 'fast-wx-01'`;
      const res = await fetch(`${app.influxUrl}/query?db=${app.database}&q=${encodeURIComponent(q)}`);
      const body = (await res.json()) as { results: Array<{ series?: Array<{ values: Array<[string, number]> }> }> };
      return (body.results[0].series ?? []).reduce((sum, s) => sum + s.values[0][1], 0);
    };

    const first = await run();
    expect({ code: first.code }).toEqual({ code: 0 });
    const afterFirst = await stored();
    expect(afterFirst).toBe(ackedOf(first.out));

    // Same state file, and again "end at the present": the second run would start where the
    // first began, i.e. before readings already stored, and every one would be refused.
    const second = await run();
    expect({ code: second.code }).toEqual({ code: 0 });
    expect(second.out).toMatch(/resuming after the previous run's last reading/);
    expect(ackedOf(second.out)).toBeGreaterThan(0);
    expect((await stored()) - afterFirst).toBe(ackedOf(second.out));
  });

  it('refuses to run without an API key, saying which option is missing', async () => {
    const { code, out } = await runSim(['--fleet', join(dir, 'fleet.yaml'), '--api', app.running.apiUrl, '--duration', '1']);
    expect(code).toBe(2);
    expect(out).toMatch(/--api-key \(or GP_SIM_API_KEY\) is required/);
  });
});
