import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CHAIN_KINDS, chainKindFor } from '.';

const KINDS_DIR = __dirname;
const ANCHORING_DOC = resolve(__dirname, '../../../../../docs/anchoring.md');
const folders = readdirSync(KINDS_DIR, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);
const settings = { embeddedRpcPort: 0, dataDir: '/nonexistent' };

/** Keeps the "add a chain kind" recipe (docs/developers.md) honest. */
describe('CHAIN_KINDS', () => {
  it('registers every folder under chain/kinds, and nothing else', () => {
    expect(CHAIN_KINDS.map((k) => k.kind).sort()).toEqual([...folders].sort());
  });

  it.each(folders)('%s: one folder with its chain kind file, a writer and a verifier', async (folder) => {
    const file = join(KINDS_DIR, folder, `${folder}.chain-kind.ts`);
    expect(existsSync(file)).toBe(true);
    const exported = Object.values((await import(file)) as Record<string, unknown>);
    const kind = CHAIN_KINDS.find((k) => k.kind === folder)!;
    expect(exported).toContain(kind);
    expect(typeof kind.openWriter).toBe('function');
    expect(typeof kind.openVerifier).toBe('function');
    expect(kind.dropTimeoutMs).toBeGreaterThan(0);
  });

  it.each(folders)("%s: its writer passes the shared ChainPort suite (an int spec in its folder runs chain.contract.ts)", (folder) => {
    const specs = readdirSync(join(KINDS_DIR, folder)).filter((f) => f.endsWith('.int.spec.ts'));
    expect(specs.some((f) => /chainContractSuite\(/.test(readFileSync(join(KINDS_DIR, folder, f), 'utf8')))).toBe(true);
  });

  it.each(folders)('%s: docs/anchoring.md names it in the Chains table', (folder) => {
    const header = readFileSync(ANCHORING_DOC, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('| chain kind |'));
    expect(header).toContain(`\`${folder}\``);
  });

  it('selects the embedded chain without CHAIN_RPC_URL and the JSON-RPC chain with it', () => {
    expect(chainKindFor({ ...settings, rpcUrl: null }).kind).toBe('embedded');
    expect(chainKindFor({ ...settings, rpcUrl: 'http://127.0.0.1:8545' }).kind).toBe('rpc');
  });
});
