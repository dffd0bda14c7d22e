import { readFileSync } from 'node:fs';
import { Contract, JsonRpcProvider, NonceManager, Wallet } from 'ethers';
import { EMBEDDED_DEV_KEY, EmbeddedChain } from '@gridproof/anchor';
import { epochAt } from '../epoch';
import { computeEpoch } from '../ledger/epoch-ledger';
import { GENESIS_STATE, LedgerState } from '../ledger/ledger-input';
import { rewardRule } from '../rule';
import { pvPowerW, syntheticDevice, syntheticSeries } from '../testing/synthetic-records';
import { deployDistributor, deployRewardToken, rewardsContractArtifact } from './rewards-contracts';

const { compile, artifactFile, CONTRACTS } = require('../../../../contracts/compile-rewards.js') as { compile(): Record<string, string>; artifactFile(n: string): string; CONTRACTS: string[] };

describe('rewards contract artifacts', () => {
  it('are reproduced byte for byte by recompiling the committed sources with the pinned input', () => {
    const fresh = compile();
    for (const name of CONTRACTS) expect(fresh[name] === readFileSync(artifactFile(name), 'utf8')).toBe(true);
  });
});

/**
 * The distributor on the embedded chain (Hardhat's in-process EVM), paying the reward tree that
 * computeEpoch builds: cumulative claims, the challenge window, wrong proofs.
 */
describe('GridProofRewardsDistributor', () => {
  const WINDOW_S = 3_600;
  const DAY = Math.floor(Date.UTC(2026, 5, 21) / 86_400_000);
  const rule = rewardRule({ poolPerEpoch: '1000000000000000000000' });
  let chain: EmbeddedChain;
  let provider: JsonRpcProvider;
  let operator: NonceManager;
  let guardian: Wallet;
  let owners: Wallet[];
  let token: Contract;
  let distributor: Contract;
  let distributorAddress: string;

  beforeAll(async () => {
    chain = await EmbeddedChain.start({ rpcPort: 0, host: '127.0.0.1' });
    provider = new JsonRpcProvider(chain.rpcUrl!, undefined, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
    operator = new NonceManager(new Wallet(EMBEDDED_DEV_KEY, provider));
    guardian = Wallet.createRandom(provider) as unknown as Wallet;
    owners = [0, 1].map(() => Wallet.createRandom(provider) as unknown as Wallet);
    for (const w of [guardian, ...owners]) await chain.send('hardhat_setBalance', [w.address, '0x56BC75E2D63100000']);
    token = (await deployRewardToken(operator, 10n ** 27n)) as Contract;
    distributor = (await deployDistributor(operator, { token: await token.getAddress(), publisher: await operator.getAddress(), guardian: guardian.address, challengeWindowS: WINDOW_S })) as Contract;
    distributorAddress = (await distributor.getAddress()).toLowerCase();
    await (await token.transfer(distributorAddress, 10n ** 24n)).wait();
  }, 60_000);

  afterAll(async () => {
    provider?.destroy();
    await chain?.close();
  });

  /** One epoch of two PV devices, one per owner, paid on this chain and distributor. */
  function epochFor(index: number, previous: LedgerState) {
    const epoch = epochAt(index, rule.epochMs);
    const parts = owners.map((o, i) => {
      const d = syntheticDevice({ id: `pv-${i}`, type: 'pv-inverter', ratedKwp: 10, owner: o.address.toLowerCase() });
      return { d, records: syntheticSeries(d, { epoch, intervalMs: 300_000, powerW: pvPowerW(d.device.site, 10_000, 0.4 + 0.2 * i) }) };
    });
    return computeEpoch({ epoch: index, devices: parts.map((p) => p.d.device), records: parts.flatMap((p) => p.records), logHead: { treeSize: 1, root: '00'.repeat(32) }, previous, domain: { chainId: 31337, distributor: distributorAddress } }, rule);
  }

  /** The custom error a call reverted with (ethers leaves it undecoded on estimateGas). */
  async function revertOf(call: Promise<unknown>): Promise<string> {
    try {
      await call;
    } catch (err) {
      const data = (err as { data?: string }).data;
      return (data && distributor.interface.parseError(data)?.name) || String(err);
    }
    return 'no revert';
  }

  const asOwner = (w: Wallet) => distributor.connect(w) as Contract;
  const leafOf = (r: ReturnType<typeof epochFor>, w: Wallet) => r.rewardLeaves.find((l) => l[3] === w.address.toLowerCase())!;
  const passTime = async (s: number) => {
    await chain.send('evm_increaseTime', [s]);
    await chain.send('evm_mine', []);
  };
  const propose = async (r: ReturnType<typeof epochFor>) => (await distributor.proposeRoot(r.manifest.epoch.index, r.manifest.roots.reward, '0x' + 'ee'.repeat(32))).wait();

  it('refuses a claim before the challenge window ends, pays after it, and never pays the same total twice', async () => {
    const first = epochFor(DAY, GENESIS_STATE);
    await propose(first);
    const [alice] = owners;
    const leaf = leafOf(first, alice);
    const proof = first.rewardTree!.getProof(leaf);
    expect(await revertOf(asOwner(alice).claim(leaf[4], proof))).toBe('NoActiveRoot');

    await passTime(WINDOW_S + 1);
    const before = (await token.balanceOf(alice.address)) as bigint;
    await (await asOwner(alice).claim(leaf[4], proof)).wait();
    expect(((await token.balanceOf(alice.address)) as bigint) - before).toBe(BigInt(leaf[4]));
    expect(await distributor.claimed(alice.address)).toBe(BigInt(leaf[4]));
    expect(await revertOf(asOwner(alice).claim(leaf[4], proof))).toBe('NothingToClaim');
  });

  it('refuses a wrong proof, another owner\'s leaf, and an inflated amount', async () => {
    const first = epochFor(DAY, GENESIS_STATE);
    const [alice, bob] = owners;
    const bobLeaf = leafOf(first, bob);
    const bobProof = first.rewardTree!.getProof(bobLeaf);
    expect(await revertOf(asOwner(bob).claim(BigInt(bobLeaf[4]) + 1n, bobProof))).toBe('InvalidProof');
    expect(await revertOf(asOwner(alice).claim(bobLeaf[4], bobProof))).toBe('InvalidProof');
    expect(await revertOf(asOwner(bob).claim(bobLeaf[4], ['0x' + '11'.repeat(32)]))).toBe('InvalidProof');
    await (await asOwner(bob).claim(bobLeaf[4], bobProof)).wait();
    expect(await token.balanceOf(bob.address)).toBe(BigInt(bobLeaf[4]));
  });

  it('pays the next epoch\'s difference only: cumulative claims, a pending root not yet claimable, a vetoed root never', async () => {
    const first = epochFor(DAY, GENESIS_STATE);
    const second = epochFor(DAY + 1, first.state);
    const [alice] = owners;
    // A vetoed proposal never becomes claimable.
    await (await distributor.proposeRoot(DAY + 1, '0x' + '66'.repeat(32), '0x' + 'ee'.repeat(32))).wait();
    expect(await revertOf((distributor.connect(owners[1]) as Contract).veto())).toBe('NotGuardian');
    await (await (distributor.connect(guardian) as Contract).veto()).wait();
    await passTime(WINDOW_S + 1);
    expect(await distributor.activeEpoch()).toBe(BigInt(DAY));

    await propose(second);
    const leaf = leafOf(second, alice);
    const proof = second.rewardTree!.getProof(leaf);
    // In the window the second root is pending: its proof does not verify against the first.
    expect(await revertOf(asOwner(alice).claim(leaf[4], proof))).toBe('InvalidProof');
    await passTime(WINDOW_S + 1);
    const before = (await token.balanceOf(alice.address)) as bigint;
    await (await asOwner(alice).claim(leaf[4], proof)).wait();
    const paid = ((await token.balanceOf(alice.address)) as bigint) - before;
    expect(paid).toBe(BigInt(leaf[4]) - BigInt(leafOf(first, alice)[4]));
    expect(paid).toBe(second.ownerAmounts.get(alice.address.toLowerCase()));
    expect(await revertOf(distributor.proposeRoot(DAY, second.manifest.roots.reward, '0x' + 'ee'.repeat(32)))).toBe('EpochNotAfter');
  });

  it('carries the pinned OpenZeppelin version in its artifact', () => {
    expect(rewardsContractArtifact('GridProofRewardsDistributor').openzeppelinContracts).toBe('5.7.0');
  });
});
