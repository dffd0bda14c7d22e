import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workedExample } from './worked-example';

describe('docs/anchoring.md worked example', () => {
  const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'anchoring.md'), 'utf8');
  const ex = workedExample();

  it('prints the record bytes, leaves, inner node, root and audit paths the code computes', () => {
    for (const value of [...ex.recordJcs, ...ex.leaves, ex.node01, ex.root, ...ex.pathOf2, ...ex.pathOf0, ex.seed]) {
      expect(doc).toContain(value);
    }
  });
});
