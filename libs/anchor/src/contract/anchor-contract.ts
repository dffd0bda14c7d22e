import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Interface, InterfaceAbi } from 'ethers';

/** The committed, reproducible artifact of contracts/GridProofAnchor.sol (see contracts/compile.js). */
export interface AnchorContractArtifact {
  contractName: string;
  compiler: string;
  evmVersion: string;
  abi: InterfaceAbi;
  bytecode: string;
  deployedBytecode: string;
}

let cached: AnchorContractArtifact | null = null;

/**
 * Found by walking up from this file, so it loads the same from the sources (jest) and from
 * dist/ after `npm run build` (contracts/ stays at the repository root).
 */
export function anchorContractArtifact(): AnchorContractArtifact {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, 'contracts', 'GridProofAnchor.json');
    if (existsSync(candidate)) {
      cached = JSON.parse(readFileSync(candidate, 'utf8')) as AnchorContractArtifact;
      return cached;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('contracts/GridProofAnchor.json not found above ' + __dirname);
    dir = parent;
  }
}

export function anchorContractInterface(): Interface {
  return new Interface(anchorContractArtifact().abi);
}
