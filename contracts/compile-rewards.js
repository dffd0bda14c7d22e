#!/usr/bin/env node
'use strict';
// Compiles the contribution ledger's contracts (GridProofRewardsDistributor.sol, the ERC-20
// GridProofRewardToken.sol of the embedded chain) with solc-js from a pinned input, as
// contracts/compile.js does for the anchor contract, so anyone can rebuild the artifacts byte
// for byte:
//   node contracts/compile-rewards.js          (writes the artifacts)
//   node contracts/compile-rewards.js --check  (exits 1 when a committed artifact differs)
// Pinned: compiler 0.8.28 (package.json), evmVersion 'paris', optimizer 200 runs, no CBOR
// metadata; OpenZeppelin Contracts 5.7.0 (package.json, exact) for MerkleProof, SafeERC20 and
// ERC20, read from node_modules through solc's import callback.
const { createHash } = require('node:crypto');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const CONTRACTS = ['GridProofRewardsDistributor', 'GridProofRewardToken'];
const EVM_VERSION = 'paris';
const OPTIMIZER_RUNS = 200;
const NODE_MODULES = join(__dirname, '..', 'node_modules');

function artifactFile(name) {
  return join(__dirname, `${name}.json`);
}

function findImport(path) {
  const file = join(NODE_MODULES, path);
  return existsSync(file) ? { contents: readFileSync(file, 'utf8') } : { error: `not found: ${path}` };
}

function compile() {
  const solc = require('solc');
  const sources = Object.fromEntries(CONTRACTS.map((n) => [`${n}.sol`, { content: readFileSync(join(__dirname, `${n}.sol`), 'utf8') }]));
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: { enabled: true, runs: OPTIMIZER_RUNS },
      metadata: { appendCBOR: false },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(`solc failed:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
  const openzeppelin = JSON.parse(readFileSync(join(NODE_MODULES, '@openzeppelin', 'contracts', 'package.json'), 'utf8')).version;
  return Object.fromEntries(
    CONTRACTS.map((name) => {
      const c = output.contracts[`${name}.sol`][name];
      const artifact = {
        contractName: name,
        compiler: `solc-js ${solc.version()}`,
        openzeppelinContracts: openzeppelin,
        evmVersion: EVM_VERSION,
        optimizerRuns: OPTIMIZER_RUNS,
        sourceSha256: createHash('sha256').update(sources[`${name}.sol`].content).digest('hex'),
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
      };
      return [name, `${JSON.stringify(artifact, null, 2)}\n`];
    }),
  );
}

module.exports = { compile, artifactFile, CONTRACTS };

if (require.main === module) {
  const texts = compile();
  if (process.argv.includes('--check')) {
    const differ = CONTRACTS.filter((n) => !existsSync(artifactFile(n)) || readFileSync(artifactFile(n), 'utf8') !== texts[n]);
    console.log(differ.length ? `artifacts differ from a fresh compile: ${differ.join(', ')}` : 'artifacts are reproducible');
    process.exit(differ.length ? 1 : 0);
  }
  for (const n of CONTRACTS) writeFileSync(artifactFile(n), texts[n]);
  console.log(`wrote ${CONTRACTS.map(artifactFile).join(', ')}`);
}
