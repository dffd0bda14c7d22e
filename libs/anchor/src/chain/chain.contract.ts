import { Wallet } from 'ethers';
import { anchorContractInterface } from '../contract/anchor-contract';
import { AnchorRejectedError, BatchAnchor, ChainPort } from './chain.port';

/**
 * The contract every ChainPort implementation must pass (the aedes-persistence habit): the
 * same suite runs against the embedded chain and a `hardhat node` reached over JSON-RPC.
 */
export interface ChainUnderTest {
  chain: ChainPort;
  /** Raw JSON-RPC into the node (evm_mine, evm_setAutomine, hardhat_dropTransaction...). */
  rpc(method: string, params: unknown[]): Promise<unknown>;
}

const ZERO = '00'.repeat(32);
const root = (n: number) => n.toString(16).padStart(64, '0');
const batch = (id: number, prevRoot: string): BatchAnchor => ({ batchId: id, root: root(id + 1), prevRoot, count: id * 10, start: 1_000 * id, end: 1_000 * (id + 1) });
const fast = { confirmations: 1, dropTimeoutMs: 30_000 };

export function chainContractSuite(name: string, open: () => Promise<ChainUnderTest>, close: (c: ChainUnderTest) => Promise<void>): void {
  describe(name, () => {
    let c: ChainUnderTest;
    beforeAll(async () => {
      c = await open();
    });
    afterAll(async () => {
      if (c) await close(c);
    });
    beforeEach(async () => {
      // Each test gets a fresh contract, so no test depends on another's batches.
      await c.chain.deploy();
    });

    it('anchors batches in order and reads each back by id', async () => {
      const b0 = batch(0, ZERO);
      const b1 = batch(1, b0.root);
      const r0 = await c.chain.anchor(b0, fast);
      await c.chain.anchor(b1, fast);
      expect(await c.chain.nextBatchId()).toBe(2);
      expect(await c.chain.getBatch(1)).toMatchObject({ root: b1.root, prevRoot: b0.root, count: 10, start: 1_000, end: 2_000 });
      expect(await c.chain.getBatch(2)).toBeNull();
      const { resubmissions: _, ...mined } = r0;
      expect(mined.blockHash).toMatch(/^0x[0-9a-f]{64}$/);
      expect(await c.chain.findAnchorTx(0, 0)).toEqual(mined);
      expect(await c.chain.minedAt(r0.txHash)).toEqual(mined);
    });

    it('rejects a batch id out of order, so a gap cannot be written', async () => {
      await c.chain.anchor(batch(0, ZERO), fast);
      const err = await c.chain.anchor(batch(2, root(2)), fast).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AnchorRejectedError);
      expect((err as AnchorRejectedError).reason).toBe('OutOfOrder');
    });

    it('rejects a batch that does not name the previous root', async () => {
      await c.chain.anchor(batch(0, ZERO), fast);
      const err = await c.chain.anchor(batch(1, root(99)), fast).catch((e: unknown) => e);
      expect((err as AnchorRejectedError).reason).toBe('PrevRootMismatch');
    });

    it('refuses an anchor from any account but the configured one', async () => {
      const iface = anchorContractInterface();
      const other = Wallet.createRandom().address;
      const data = iface.encodeFunctionData('anchor', [0, `0x${root(1)}`, `0x${ZERO}`, 1, 0, 1]);
      const err = await c.rpc('eth_call', [{ from: other, to: c.chain.contractAddress, data }, 'latest']).catch((e: unknown) => e);
      expect(String((err as Error).message ?? err)).toMatch(/revert|NotAnchorer|0x/i);
      // The configured account passes the same call.
      await expect(c.rpc('eth_call', [{ from: await c.chain.account(), to: c.chain.contractAddress, data }, 'latest'])).resolves.toBeDefined();
    });

    it('re-submits a transaction that the node dropped', async () => {
      await c.rpc('evm_setAutomine', [false]);
      try {
        const sent: string[] = [];
        const done = c.chain.anchor(batch(0, ZERO), {
          confirmations: 1,
          dropTimeoutMs: 300,
          onSent: (hash, attempt) => {
            sent.push(hash);
            if (attempt === 0) void c.rpc('hardhat_dropTransaction', [hash]);
            else void c.rpc('evm_mine', []);
          },
        });
        const receipt = await done;
        expect(receipt.resubmissions).toBe(1);
        expect(receipt.txHash).toBe(sent[1]);
        expect(await c.chain.getBatch(0)).toMatchObject({ root: root(1) });
      } finally {
        await c.rpc('evm_setAutomine', [true]);
      }
    });
  });
}
