import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { Command } from 'commander';
import { EpochFileError, epochAt, GENESIS_STATE } from '@gridproof/rewards';
import { pvPowerW, syntheticDevice, syntheticSeries } from '../../../../libs/rewards/src/testing/synthetic-records';
import { registerRewardsCommands } from './rewards.commands';

describe(registerRewardsCommands.name, () => {
  const DAY = Math.floor(Date.UTC(2026, 5, 21) / 86_400_000);
  let dir: string;
  let out: string[];
  let program: Command;
  const run = (...args: string[]) => program.parseAsync(['node', 'gridproof', 'rewards', ...args]);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gp-rewards-'));
    out = [];
    program = new Command().exitOverride();
    registerRewardsCommands(program, { out: (t) => out.push(t), err: (t) => out.push(t) });
  });
  afterEach(() => {
    process.exitCode = 0;
    rmSync(dir, { recursive: true, force: true });
  });

  function writeInput(): { path: string; owner: string } {
    const epoch = epochAt(DAY);
    const honest = syntheticDevice({ id: 'pv-honest', type: 'pv-inverter', ratedKwp: 8 });
    const cheat = syntheticDevice({ id: 'pv-cheat', type: 'pv-inverter', ratedKwp: 2 });
    const records = [
      ...syntheticSeries(honest, { epoch, intervalMs: 300_000, powerW: pvPowerW(honest.device.site, 8_000, 0.6) }),
      ...syntheticSeries(cheat, { epoch, intervalMs: 300_000, powerW: () => 9_000 }),
    ];
    const path = join(dir, 'input.json');
    const input = { epoch: DAY, devices: [honest.device, cheat.device], records, logHead: { treeSize: records.length, root: 'cd'.repeat(32) }, previous: GENESIS_STATE, domain: { chainId: 31337, distributor: '0x' + 'd1'.repeat(20) }, rule: { poolPerEpoch: '1000' } };
    writeFileSync(path, JSON.stringify(input));
    return { path, owner: honest.device.owner! };
  }

  it('computes an epoch into files, shows its holds, proves an owner\'s amount and verifies it from the files', async () => {
    const { path, owner } = writeInput();
    const epochDir = join(dir, 'epoch');
    await run('compute', '--input', path, '--out', epochDir);
    expect(out.join('\n')).toMatch(/1 devices paid, 1 held, 1 owners, paid 1000 of 1000/);
    const manifest = JSON.parse(readFileSync(join(epochDir, 'manifest.json'), 'utf8')) as { roots: { reward: string } };

    out.length = 0;
    await run('show', '--dir', epochDir);
    expect(out.find((l) => l.startsWith('HOLD pv-cheat pv_above_clear_sky'))).toMatch(/"maxWh":\d+/);

    out.length = 0;
    await run('proof', '--dir', epochDir, '--owner', owner);
    const proof = JSON.parse(out.join('\n')) as { leaf: string[]; proof: string[]; verified: boolean; cumulative: string };
    expect(proof).toMatchObject({ verified: true, cumulative: '1000' });
    expect(StandardMerkleTree.verify(manifest.roots.reward, ['uint256', 'address', 'uint256', 'address', 'uint256'], proof.leaf, proof.proof)).toBe(true);

    out.length = 0;
    await run('verify', '--manifest', join(epochDir, 'manifest.json'), '--input', path);
    expect(out[out.length - 1]).toMatch(/^VERIFIED epoch/);
    expect(process.exitCode ?? 0).toBe(0);
  });

  it('says NOT VERIFIED, and why, when a published record was changed', async () => {
    const { path } = writeInput();
    const epochDir = join(dir, 'epoch');
    await run('compute', '--input', path, '--out', epochDir);
    const input = JSON.parse(readFileSync(path, 'utf8')) as { records: Array<{ device: string; readings: Record<string, number> }> };
    const r = input.records.find((x) => x.device === 'pv-honest' && x.readings.energy_total_kwh > 1_010)!;
    r.readings.energy_total_kwh += 3;
    writeFileSync(path, JSON.stringify(input));
    out.length = 0;
    await run('verify', '--manifest', join(epochDir, 'manifest.json'), '--input', path);
    expect(out.join('\n')).toMatch(/FAIL contribution root/);
    expect(out[out.length - 1]).toBe('NOT VERIFIED');
    expect(process.exitCode).toBe(1);
  });

  it('refuses a malformed input file with a message naming the field and exit code 65', async () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ epoch: DAY, devices: [{ id: 'x', type: 'toaster' }], records: [], logHead: { treeSize: 0, root: 'zz' }, previous: GENESIS_STATE, domain: { chainId: 1, distributor: '0x1' } }));
    const failure = run('compute', '--input', path, '--out', join(dir, 'o'));
    await expect(failure).rejects.toBeInstanceOf(EpochFileError);
    await expect(failure).rejects.toThrow(/devices\.0\.type/);
    await expect(failure).rejects.toMatchObject({ exitCode: 65 });
  });
});
