import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { memoryIo } from '@gridproof/api-client';
import { registerAuditCommands } from './audit.commands';

describe('registerAuditCommands', () => {
  it('registers audit, proof, export-batch and verify, and verify refuses a malformed bundle without any chain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-verify-'));
    const io = memoryIo();
    const out = io.outLines;
    try {
      const program = new Command().exitOverride();
      registerAuditCommands(program, io);
      expect(program.commands.map((c) => c.name())).toEqual(['audit', 'proof', 'export-batch', 'verify']);
      const file = join(dir, 'bundle.json');
      writeFileSync(file, JSON.stringify({ format: 'gridproof-proof/1', leaf: 'zz' }));
      await program.parseAsync(['node', 'gridproof', 'verify', file, '--rpc', 'http://127.0.0.1:9']);
      expect(out.join('\n')).toMatch(/FAIL format/);
      expect(out[out.length - 1]).toBe('NOT VERIFIED');
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = 0;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
