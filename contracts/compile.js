#!/usr/bin/env node
'use strict';
// Compiles GridProofAnchor.sol with solc-js (the `solc` npm package, offline) from a pinned
// compiler input, so anyone can rebuild GridProofAnchor.json byte for byte:
//   node contracts/compile.js          (writes the artifact)
//   node contracts/compile.js --check  (exits 1 when the committed artifact differs)
// Pinned: compiler 0.8.28 (package.json, exact), evmVersion 'paris' (no PUSH0/MCOPY, so the
// bytecode also deploys on EVM chains that lag behind mainnet forks), optimizer 200 runs, no
// CBOR metadata (it hashes the source path and comments, not the behaviour).
const { createHash } = require('node:crypto');
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const SOURCE_FILE = 'GridProofAnchor.sol';
const CONTRACT_NAME = 'GridProofAnchor';
const EVM_VERSION = 'paris';
const OPTIMIZER_RUNS = 200;
const ARTIFACT_FILE = join(__dirname, `${CONTRACT_NAME}.json`);

function compile() {
  const solc = require('solc');
  const source = readFileSync(join(__dirname, SOURCE_FILE), 'utf8');
  const input = {
    language: 'Solidity',
    sources: { [SOURCE_FILE]: { content: source } },
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: { enabled: true, runs: OPTIMIZER_RUNS },
      metadata: { appendCBOR: false },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(`solc failed:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
  const c = output.contracts[SOURCE_FILE][CONTRACT_NAME];
  const artifact = {
    contractName: CONTRACT_NAME,
    compiler: `solc-js ${solc.version()}`,
    evmVersion: EVM_VERSION,
    optimizerRuns: OPTIMIZER_RUNS,
    sourceSha256: createHash('sha256').update(source).digest('hex'),
    abi: c.abi,
    bytecode: `0x${c.evm.bytecode.object}`,
    deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
  };
  return `${JSON.stringify(artifact, null, 2)}\n`;
}

module.exports = { compile, ARTIFACT_FILE };

if (require.main === module) {
  const text = compile();
  if (process.argv.includes('--check')) {
    const same = readFileSync(ARTIFACT_FILE, 'utf8') === text;
    console.log(same ? 'artifact is reproducible' : 'artifact differs from a fresh compile');
    process.exit(same ? 0 : 1);
  }
  writeFileSync(ARTIFACT_FILE, text);
  console.log(`wrote ${ARTIFACT_FILE}`);
}
