import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BaseContract, ContractFactory, InterfaceAbi, Signer } from 'ethers';

/** The committed, reproducible artifacts of contracts/GridProofRewards*.sol (contracts/compile-rewards.js). */
export type RewardsContractName = 'GridProofRewardsDistributor' | 'GridProofRewardToken';
export interface RewardsContractArtifact {
  contractName: RewardsContractName;
  compiler: string;
  openzeppelinContracts: string;
  evmVersion: string;
  abi: InterfaceAbi;
  bytecode: string;
  deployedBytecode: string;
}

const cached = new Map<RewardsContractName, RewardsContractArtifact>();

/** Found by walking up from this file: the same from the sources (jest) and from dist/. */
export function rewardsContractArtifact(name: RewardsContractName): RewardsContractArtifact {
  const known = cached.get(name);
  if (known) return known;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'contracts', `${name}.json`);
    if (existsSync(candidate)) {
      const artifact = JSON.parse(readFileSync(candidate, 'utf8')) as RewardsContractArtifact;
      cached.set(name, artifact);
      return artifact;
    }
    if (dirname(dir) === dir) throw new Error(`contracts/${name}.json not found above ${__dirname}`);
  }
}

async function deploy(name: RewardsContractName, signer: Signer, args: unknown[]): Promise<BaseContract> {
  const artifact = rewardsContractArtifact(name);
  const contract = await new ContractFactory(artifact.abi, artifact.bytecode, signer).deploy(...args);
  await contract.waitForDeployment();
  return contract;
}

/** The embedded chain's ERC-20 reward token, its whole supply minted to the deployer. */
export function deployRewardToken(signer: Signer, supply: bigint): Promise<BaseContract> {
  return deploy('GridProofRewardToken', signer, [supply]);
}

export interface DistributorSettings {
  token: string;
  /** Proposes each epoch's reward root (the operator's account). */
  publisher: string;
  /** May veto a pending root during its challenge window (an auditor's account). */
  guardian: string;
  challengeWindowS: number;
}

/** The distributor (contracts/GridProofRewardsDistributor.sol); fund it with the token afterwards. */
export function deployDistributor(signer: Signer, s: DistributorSettings): Promise<BaseContract> {
  return deploy('GridProofRewardsDistributor', signer, [s.token, s.publisher, s.guardian, s.challengeWindowS]);
}
