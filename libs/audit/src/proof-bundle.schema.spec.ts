import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { anchorContractInterface } from '@gridproof/anchor';
import { repoRoot } from '@gridproof/testing';
import { ANCHOR_ABI_IDS, PROOF_ALGORITHMS, PROOF_BUNDLE_FORMAT, ProofBundle, proofBundleSchema } from './proof-bundle';

const schema = JSON.parse(readFileSync(join(repoRoot(), 'docs', 'proof-bundle.schema.json'), 'utf8')) as Record<string, unknown>;
const h = (c: string) => c.repeat(64);

const sample: ProofBundle = {
  format: PROOF_BUNDLE_FORMAT,
  algorithms: { ...PROOF_ALGORITHMS },
  record: { v: 1, device: 'meter-01', ts: 1763683200000, seq: 41, readings: { power_w: 1520.5 }, sig: 'x'.repeat(86) + '==', rx: 1763683200120 },
  device: { id: 'meter-01', publicKey: '6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw=' },
  signature: 'x'.repeat(86) + '==',
  leaf: h('a'),
  leafIndex: 5,
  path: [h('b'), h('c')],
  batch: { id: 2, start: 1763683200000, end: 1763683260000, count: 3, treeSize: 7, root: h('d'), prevRoot: h('e') },
  chain: { chainId: 31337, contract: '0x' + '1'.repeat(40), txHash: '0x' + '2'.repeat(64), blockNumber: 9, blockHash: '0x' + '3'.repeat(64), blockTimestamp: 1763683201, abi: { ...ANCHOR_ABI_IDS } },
  consistency: { batchId: 4, treeSize: 12, root: h('f'), proof: [h('0')] },
  keyEvent: {
    record: { kind: 'key-event', v: 1, id: 3, device: 'meter-01', event: 'registered', publicKey: '6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw=', requireSignature: true, at: 1763683100000, rx: 1763683100000 },
    leaf: h('9'),
    leafIndex: 1,
    path: [h('8')],
    batch: { id: 0, start: 1763683080000, end: 1763683140000, count: 2, treeSize: 2, root: h('7'), prevRoot: h('0') },
  },
};

describe('the gridproof-proof/1 JSON Schema (docs/proof-bundle.schema.json)', () => {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  const validate = ajv.compile(schema);
  const both = (bundle: unknown) => ({ jsonSchema: validate(bundle), zod: proofBundleSchema.safeParse(bundle).success });

  it('accepts a bundle of the form the proof service writes, as the runtime schema does', () => {
    expect(both(sample)).toEqual({ jsonSchema: true, zod: true });
    const { consistency: _omitted, ...withoutConsistency } = sample;
    expect(both(withoutConsistency)).toEqual({ jsonSchema: true, zod: true });
    // A bundle written before key events were logged still parses (verify fails it).
    const { keyEvent: _none, ...withoutKeyEvent } = sample;
    expect(both(withoutKeyEvent)).toEqual({ jsonSchema: true, zod: true });
  });

  it.each([
    ['no tree size', { ...sample, batch: { ...sample.batch, treeSize: undefined } }],
    ['another hash algorithm', { ...sample, algorithms: { ...sample.algorithms, hash: 'sha-512' } }],
    ['another canonicalisation', { ...sample, algorithms: { ...sample.algorithms, canonicalization: 'none' } }],
    ['a wrong getBatch selector', { ...sample, chain: { ...sample.chain, abi: { ...sample.chain.abi, getBatch: '0x00000000' } } }],
    ['a wrong Anchored topic', { ...sample, chain: { ...sample.chain, abi: { ...sample.chain.abi, anchoredEvent: '0x' + '0'.repeat(64) } } }],
    ['an uppercase hash', { ...sample, leaf: h('A') }],
    ['an unknown member', { ...sample, extra: 1 }],
    ['no anchoring block hash', { ...sample, chain: { ...sample.chain, blockHash: undefined } }],
    ['no anchoring block time', { ...sample, chain: { ...sample.chain, blockTimestamp: undefined } }],
    ['a record without its signature field', { ...sample, record: { ...sample.record, sig: undefined } }],
    ['a key event of another kind', { ...sample, keyEvent: { ...sample.keyEvent!, record: { ...sample.keyEvent!.record, kind: 'telemetry' } } }],
    ['a key event without its rx', { ...sample, keyEvent: { ...sample.keyEvent!, record: { ...sample.keyEvent!.record, rx: undefined } } }],
    ['an unknown key event', { ...sample, keyEvent: { ...sample.keyEvent!, record: { ...sample.keyEvent!.record, event: 'stolen' } } }],
  ])('rejects a bundle with %s, as the runtime schema does', (_name, bundle) => {
    expect(both(JSON.parse(JSON.stringify(bundle)))).toEqual({ jsonSchema: false, zod: false });
  });

  it('names the selectors and the event topic of the committed contract artifact', () => {
    const iface = anchorContractInterface();
    expect(ANCHOR_ABI_IDS).toEqual({ getBatch: iface.getFunction('getBatch')!.selector, anchor: iface.getFunction('anchor')!.selector, anchoredEvent: iface.getEvent('Anchored')!.topicHash });
  });
});
