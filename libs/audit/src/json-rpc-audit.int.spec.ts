import { EMBEDDED_CHAIN_ID, EMBEDDED_DEV_KEY, JsonRpcChain } from '@gridproof/anchor';
import { HardhatNode, startHardhatNode } from '@gridproof/testing';
import { auditScenarios } from './audit.scenarios';

let node: HardhatNode;
let chain: JsonRpcChain | null = null;

describe(`audit on a ${JsonRpcChain.name} (hardhat node)`, () => {
  beforeAll(async () => {
    node = await startHardhatNode();
  });
  afterAll(async () => {
    await node?.stop();
  });
  auditScenarios(() => ({
    name: 'json-rpc',
    chainId: EMBEDDED_CHAIN_ID,
    open: async () => (chain = await JsonRpcChain.connect({ url: node.url, privateKey: EMBEDDED_DEV_KEY, pollMs: 20 })),
    verifierUrl: () => node.url,
    close: async () => chain?.close(),
  }));
});
