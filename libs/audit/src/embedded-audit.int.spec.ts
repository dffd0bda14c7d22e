import { EMBEDDED_CHAIN_ID, EmbeddedChain } from '@gridproof/anchor';
import { auditScenarios } from './audit.scenarios';

let chain: EmbeddedChain | null = null;

describe(`audit on the ${EmbeddedChain.name}`, () => {
  auditScenarios(() => ({
    name: 'embedded',
    chainId: EMBEDDED_CHAIN_ID,
    open: async () => (chain = await EmbeddedChain.start({ rpcPort: 0 })),
    verifierUrl: () => chain!.rpcUrl!,
    close: async () => chain?.close(),
  }));
});
