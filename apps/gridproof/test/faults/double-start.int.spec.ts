import { existsSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { join } from 'node:path';
import { Cleanups } from '@gridproof/testing';
import { GridProofProcess } from '../../../../libs/testing/src/faults/gridproof-process';
import { FaultRig, startFaultRig } from '../../../../libs/testing/src/faults/fault-rig';

jest.setTimeout(240_000);

/**
 * Issue 13, finding 2: a second `npm start` on the same data folder opened the embedded
 * PGlite store of the running one, then failed on the taken chain port, and from then on every
 * start failed with `RuntimeError: Aborted()`. Now the second start stops at the data-folder
 * lock, names the folder and the pid holding it, and the store is intact afterwards.
 */
describe('a second GridProof on the same data folder', () => {
  const cleanups = new Cleanups();
  let rig: FaultRig;
  let dataDir: string;
  const second = async (samePorts: boolean) => {
    const p = await GridProofProcess.create({ entry: rig.entry, dataDir, influxUrl: rig.influxUrl, influxDatabase: rig.database });
    if (samePorts) p.ports = { ...rig.app.ports };
    cleanups.add(() => p.stop());
    return p;
  };

  beforeAll(async () => {
    rig = await startFaultRig({ name: 'double-start' }, cleanups);
    dataDir = rig.dataDir;
  });
  afterAll(() => cleanups.run());

  it('stops with a message naming the folder and the pid, and the first keeps its store', async () => {
    await rig.app.provision([{ id: 'twice-1', type: 'smart-meter', site: { id: 'site-twice', lat: 50, lon: 8 }, requireSignature: false }]);
    const firstPid = rig.app.pid!;

    // Exactly the reported sequence: same folder, same ports.
    const clash = await (await second(true)).runUntilExit();
    expect(clash.code).toBe(3);
    expect(clash.output).toContain(`the data folder ${dataDir} is in use by another GridProof (pid ${firstPid})`);
    // Same folder on free ports: the lock, not the port, stops it.
    const elsewhere = await (await second(false)).runUntilExit();
    expect(elsewhere.code).toBe(3);
    expect(elsewhere.output).toContain(`(pid ${firstPid})`);

    // The first one still serves from its store.
    expect((await rig.app.get<Array<{ id: string }>>('/api/devices')).map((d) => d.id)).toContain('twice-1');

    // Stopped cleanly and started again: the store opens with its devices and API keys.
    await rig.app.stop();
    expect(existsSync(join(dataDir, 'gridproof.lock'))).toBe(false);
    await rig.app.start();
    expect((await rig.app.get<Array<{ id: string }>>('/api/devices')).map((d) => d.id)).toContain('twice-1');
  });

  it('takes over the lock of a SIGKILLed GridProof at once', async () => {
    await rig.app.kill('SIGKILL');
    expect(existsSync(join(dataDir, 'gridproof.lock'))).toBe(true);
    await rig.app.start();
    expect((await rig.app.get<Array<{ id: string }>>('/api/devices')).map((d) => d.id)).toContain('twice-1');
  });
});

describe('GridProof start-up with a port taken', () => {
  const cleanups = new Cleanups();
  afterAll(() => cleanups.run());

  it('stops before opening the store, naming the variable of the port', async () => {
    const taken: Server = await new Promise((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => resolve(s));
    });
    cleanups.add(() => new Promise<void>((r) => taken.close(() => r())));
    const rig = await startFaultRig({ name: 'port-taken', noStart: true }, cleanups);
    const { app, dataDir } = rig;
    app.ports = { ...app.ports, chain: (taken.address() as { port: number }).port };
    const result = await app.runUntilExit();
    expect(result.code).toBe(3);
    expect(result.output).toMatch(/port is in use: 127\.0\.0\.1:\d+ \(GP_CHAIN_EMBEDDED_PORT\)/);
    // Nothing was opened: no store, no spool, and the lock was released.
    expect(existsSync(join(dataDir, 'pglite'))).toBe(false);
    expect(existsSync(join(dataDir, 'spool'))).toBe(false);
    expect(existsSync(join(dataDir, 'gridproof.lock'))).toBe(false);
  });
});
