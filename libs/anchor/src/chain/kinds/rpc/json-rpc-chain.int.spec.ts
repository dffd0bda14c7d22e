import { startHardhatNode, HardhatNode } from '@gridproof/testing';
import { chainContractSuite } from '../../chain.contract';
import { EMBEDDED_DEV_KEY } from '../embedded/embedded-chain';
import { JsonRpcChain } from './json-rpc-chain';

let node: HardhatNode;

chainContractSuite(
  JsonRpcChain.name,
  async () => {
    node = await startHardhatNode();
    // Account #0 of the hardhat node's default accounts.
    const chain = await JsonRpcChain.connect({ url: node.url, privateKey: EMBEDDED_DEV_KEY, pollMs: 20 });
    return { chain, rpc: (m, p) => chain.send(m, p) };
  },
  async (c) => {
    await c.chain.close();
    await node?.stop();
  },
);
