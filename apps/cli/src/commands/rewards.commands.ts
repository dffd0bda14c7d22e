import { Command } from 'commander';
import { CliIo, processIo } from '@gridproof/api-client';

/** The ledger loads only when a rewards command runs: it pulls in libs/anchor (Nest, ethers). */
const ledger = () => import('@gridproof/rewards');

/**
 * `gridproof rewards compute|show|proof|verify`, on the epoch files of docs/owners.md. They
 * work offline on files: anyone can recompute and check an epoch without the service. The
 * ledger itself lives in libs/rewards. (The
 * service's epoch job and REST routes, which write these files from the registry and the
 * anchored records, are a later slice of issue #17.)
 */
export function registerRewardsCommands(program: Command, io: Pick<CliIo, 'out' | 'err'> = processIo): Command {
  const rewards = program.command('rewards').description('contribution ledger: compute, show, prove and verify an epoch (docs/owners.md)');

  rewards
    .command('compute')
    .description('compute an epoch from its input file; writes manifest, contributions, reward tree and state')
    .requiredOption('--input <file>', 'epoch input (devices, records, log head, previous state, domain, rule)')
    .requiredOption('--out <dir>', 'folder for the epoch files')
    .option('--verify-signatures', 're-check every Ed25519 signature (slower; default: signatures must be present)')
    .action(async (o: { input: string; out: string; verifySignatures?: boolean }) => {
      const lib = await ledger();
      const { input, rule } = lib.readEpochInput(o.input);
      const result = lib.computeEpoch(input, parseRule(lib, rule), o.verifySignatures ? 'verify' : 'present');
      for (const f of lib.writeEpochFiles(o.out, result)) io.out(`wrote ${f}`);
      const t = result.manifest.totals;
      io.out(`epoch ${result.manifest.epoch.index}: ${t.eligibleDevices} devices paid, ${t.heldDevices} held, ${t.owners} owners, paid ${t.paid} of ${t.pool} (unallocated ${t.unallocated})`);
      io.out(`contribution root ${result.manifest.roots.contribution}`);
      io.out(`reward root ${result.manifest.roots.reward}`);
    });

  rewards
    .command('show')
    .description("an epoch's totals and holds, or one device's contribution and hold evidence")
    .requiredOption('--dir <dir>', 'folder of the epoch files')
    .option('--device <id>', 'one device')
    .action(async (o: { dir: string; device?: string }) => {
      const { readEpochFiles, EpochFileError } = await ledger();
      const files = readEpochFiles(o.dir);
      if (o.device) {
        const c = files.contributions.find((x) => x.device === o.device);
        if (!c) throw new EpochFileError(`device ${o.device} is not in epoch ${files.manifest.epoch.index}`);
        io.out(JSON.stringify(c, null, 2));
        return;
      }
      const m = files.manifest;
      io.out(`epoch ${m.epoch.index} (${new Date(m.epoch.startMs).toISOString()} – ${new Date(m.epoch.endMs).toISOString()}), rule ${m.ruleHash.slice(0, 16)}…, ${m.code}`);
      io.out(`pool ${m.totals.pool}: paid ${m.totals.paid}, unallocated ${m.totals.unallocated}; ${m.totals.wh} Wh; ${m.totals.eligibleDevices} devices paid, ${m.totals.heldDevices} held`);
      for (const c of files.contributions) for (const h of c.holds) io.out(`HOLD ${c.device} ${h.code} ${JSON.stringify(h.evidence)}`);
    });

  rewards
    .command('proof')
    .description("an owner's reward leaf and proof, for a claim on the distributor")
    .requiredOption('--dir <dir>', 'folder of the epoch files')
    .requiredOption('--owner <address>', 'owner address (0x…)')
    .action(async (o: { dir: string; owner: string }) => {
      const { readEpochFiles, EpochFileError, REWARD_LEAF_ENCODING } = await ledger();
      const { StandardMerkleTree } = await import('@openzeppelin/merkle-tree');
      const { manifest, tree } = readEpochFiles(o.dir);
      const owner = o.owner.toLowerCase();
      const found = tree ? [...tree.entries()].find(([, leaf]) => leaf[3] === owner) : undefined;
      if (!tree || !found) throw new EpochFileError(`${o.owner} is owed nothing up to epoch ${manifest.epoch.index}`);
      const [index, leaf] = found;
      const proof = tree.getProof(index);
      const ok = StandardMerkleTree.verify(manifest.roots.reward, [...REWARD_LEAF_ENCODING], leaf, proof);
      io.out(JSON.stringify({ root: manifest.roots.reward, leafEncoding: REWARD_LEAF_ENCODING, leaf, cumulative: leaf[4], proof, verified: ok }, null, 2));
    });

  rewards
    .command('verify')
    .description('recompute an epoch from its manifest and input file (every signature re-checked) and compare the roots')
    .requiredOption('--manifest <file>', 'the published manifest')
    .requiredOption('--input <file>', 'the published epoch input')
    .action(async (o: { manifest: string; input: string }) => {
      const { readManifest, readEpochInput, verifyEpoch } = await ledger();
      const manifest = readManifest(o.manifest);
      const { input } = readEpochInput(o.input);
      const check = verifyEpoch(manifest, { devices: input.devices, records: input.records, previous: input.previous }, 'verify');
      for (const p of check.problems) io.out(`FAIL ${p}`);
      io.out(check.ok ? `VERIFIED epoch ${manifest.epoch.index}: contribution root ${manifest.roots.contribution}, reward root ${manifest.roots.reward}` : 'NOT VERIFIED');
      if (!check.ok) process.exitCode = 1;
    });

  return rewards;
}

function parseRule(lib: Awaited<ReturnType<typeof ledger>>, partial: Record<string, unknown>) {
  try {
    return lib.rewardRule(partial);
  } catch (err) {
    const issues = (err as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues;
    throw new lib.EpochFileError(`rule: ${issues ? issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : (err as Error).message}`);
  }
}
