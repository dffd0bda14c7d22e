import { chainContractSuite } from './chain.contract';
import { EmbeddedChain } from './embedded-chain';

chainContractSuite(
  EmbeddedChain.name,
  async () => {
    const chain = await EmbeddedChain.start({ rpcPort: null });
    return { chain, rpc: (m, p) => chain.send(m, p) };
  },
  (c) => c.chain.close(),
);
