import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { z } from 'zod';
import { DEVICE_TYPES, IngestRecord } from '@gridproof/telemetry';
import type { EpochResult } from '../ledger/epoch-ledger';
import type { EpochInput } from '../ledger/ledger-input';
import type { EpochManifest } from '../ledger/manifest';
import type { RewardLeaf } from '../trees/reward-tree';

/**
 * The files of one epoch, for the `gridproof rewards` commands and for anyone who recomputes:
 *   input.json          what computeEpoch reads (device snapshot, records, log head, previous state, domain, rule)
 *   manifest.json       the manifest
 *   contributions.json  every device's contribution, holds with evidence, and pay
 *   reward-tree.json    the StandardMerkleTree dump (OpenZeppelin's format: load it with StandardMerkleTree.load)
 *   state.json          cumulative amounts and streaks: the next epoch's `previous`
 */
export class EpochFileError extends Error {
  /** EX_DATAERR (sysexits(3)): the CLI's exit code for bad input data. */
  readonly exitCode = 65;
}

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an EVM address (0x and 40 hex digits)');
const stateSchema = z.object({ epoch: z.number().int().min(-1), cumulative: z.record(z.string(), z.string().regex(/^\d+$/)), streaks: z.record(z.string(), z.number().int().min(0)) });

export const epochInputFileSchema = z.object({
  epoch: z.number().int().min(0),
  devices: z.array(
    z.object({
      id: z.string().min(1),
      type: z.enum(DEVICE_TYPES),
      owner: address.nullable(),
      site: z.object({ id: z.string(), lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }),
      ratedKwp: z.number().positive().nullable(),
      keys: z.array(z.object({ publicKey: z.string(), fromMs: z.number().int() })),
    }),
  ),
  /** Records are checked one by one by the ledger (a bad one is counted, not fatal). */
  records: z.array(z.unknown()),
  logHead: z.object({ treeSize: z.number().int().min(0), root: z.string().regex(/^[0-9a-f]{64}$/, '64 hex digits') }),
  previous: stateSchema,
  domain: z.object({ chainId: z.number().int().positive(), distributor: address }),
  /** Rule parameters (any omitted take their defaults, docs/owners.md). */
  rule: z.record(z.string(), z.unknown()).default({}),
});
export type EpochInputFile = z.infer<typeof epochInputFileSchema>;

function readJson(path: string): unknown {
  if (!existsSync(path)) throw new EpochFileError(`${path}: no such file`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new EpochFileError(`${path}: not JSON (${(err as Error).message})`);
  }
}

function parsed<T>(schema: z.ZodType<T>, path: string): T {
  const result = schema.safeParse(readJson(path));
  if (!result.success) throw new EpochFileError(`${path}: ${result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return result.data;
}

export function readEpochInput(path: string): { input: EpochInput; rule: Record<string, unknown> } {
  const file = parsed(epochInputFileSchema, path);
  return { input: { ...file, records: file.records as IngestRecord[] }, rule: file.rule };
}

export function readManifest(path: string): EpochManifest {
  const m = readJson(path) as EpochManifest;
  if (m === null || typeof m !== 'object' || typeof m.format !== 'string' || !m.format.startsWith('gridproof-rewards-manifest/')) throw new EpochFileError(`${path}: not a rewards manifest`);
  return m;
}

const bigintsAsText = (_: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

export function writeEpochFiles(dir: string, result: EpochResult): string[] {
  mkdirSync(dir, { recursive: true });
  const rewardsOf = new Map(result.rewards.map((r) => [r.device, r]));
  const files: Array<[string, unknown]> = [
    ['manifest.json', result.manifest],
    ['contributions.json', result.contributions.map((c) => ({ ...c, reward: rewardsOf.get(c.device) }))],
    ['reward-tree.json', result.rewardTree ? result.rewardTree.dump() : null],
    ['state.json', result.state],
  ];
  return files.map(([name, value]) => {
    const path = join(dir, name);
    writeFileSync(path, `${JSON.stringify(value, bigintsAsText, 2)}\n`);
    return path;
  });
}

export interface EpochFiles {
  manifest: EpochManifest;
  contributions: Array<EpochResult['contributions'][number] & { reward?: Record<string, unknown> }>;
  tree: StandardMerkleTree<RewardLeaf> | null;
}

export function readEpochFiles(dir: string): EpochFiles {
  const manifest = readManifest(join(dir, 'manifest.json'));
  const contributions = readJson(join(dir, 'contributions.json')) as EpochFiles['contributions'];
  const dump = readJson(join(dir, 'reward-tree.json')) as Parameters<typeof StandardMerkleTree.load<RewardLeaf>>[0] | null;
  let tree: StandardMerkleTree<RewardLeaf> | null = null;
  try {
    tree = dump ? StandardMerkleTree.load<RewardLeaf>(dump) : null;
  } catch (err) {
    throw new EpochFileError(`${join(dir, 'reward-tree.json')}: not a StandardMerkleTree dump (${(err as Error).message})`);
  }
  if ((tree?.root ?? null) !== (dump ? manifest.roots.reward : null)) throw new EpochFileError(`${dir}: the reward tree's root is not the manifest's`);
  return { manifest, contributions, tree };
}
