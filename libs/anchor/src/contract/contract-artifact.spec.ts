import { readFileSync } from 'node:fs';

const { compile, ARTIFACT_FILE } = require('../../../../contracts/compile.js') as { compile(): string; ARTIFACT_FILE: string };

describe('GridProofAnchor artifact', () => {
  it('is reproduced byte for byte by recompiling the committed source with the pinned solc input', () => {
    expect(compile() === readFileSync(ARTIFACT_FILE, 'utf8')).toBe(true);
  });

  it('pins the EVM version and carries deployable bytecode', () => {
    const artifact = JSON.parse(readFileSync(ARTIFACT_FILE, 'utf8')) as { evmVersion: string; bytecode: string; compiler: string };
    expect(artifact.evmVersion).toBe('paris');
    expect(artifact.compiler).toMatch(/^solc-js 0\.8\.28\+/);
    expect(artifact.bytecode).toMatch(/^0x[0-9a-f]{200,}$/);
  });
});
