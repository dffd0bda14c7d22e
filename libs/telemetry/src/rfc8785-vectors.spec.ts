import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedVectorsDir } from '@gridproof/testing';
import { jcs } from './canonical';

// cyberphone/json-canonicalization testdata (../shared/vectors/rfc8785, README there):
// input/X.json canonicalises to exactly output/X.json, whose hex is outhex/X.txt.
describe('RFC 8785 vectors (cyberphone/json-canonicalization)', () => {
  const dir = join(sharedVectorsDir(), 'rfc8785');
  const names = readdirSync(join(dir, 'input')).filter((f) => f.endsWith('.json'));

  it('finds the vectors', () => {
    expect(names.length).toBeGreaterThanOrEqual(6);
  });

  it.each(names)('%s canonicalises byte for byte', (name) => {
    const input = JSON.parse(readFileSync(join(dir, 'input', name), 'utf8')) as unknown;
    const expected = readFileSync(join(dir, 'output', name));
    const hex = readFileSync(join(dir, 'outhex', name.replace(/\.json$/, '.txt')), 'utf8').replace(/\s+/g, '');
    const bytes = jcs(input);
    expect(bytes.toString('hex')).toBe(expected.toString('hex'));
    expect(bytes.toString('hex')).toBe(hex.toLowerCase());
  });
});
