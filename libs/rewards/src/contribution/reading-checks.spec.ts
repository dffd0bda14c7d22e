import { randomBytes } from 'node:crypto';
import { isCanonicalSignature } from '@gridproof/telemetry';
import { hasCanonicalSignatureForm } from './reading-checks';

describe(hasCanonicalSignatureForm.name, () => {
  it('accepts exactly the signatures telemetry decodes as canonical base64 of 64 bytes', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const cases: string[] = ['', '=', 'A'.repeat(88), 'A'.repeat(86) + '==', 'A'.repeat(85) + 'B==', 'A'.repeat(85) + 'Q=='];
    for (let i = 0; i < 2_000; i++) {
      const text = randomBytes(64).toString('base64');
      cases.push(text, text.slice(0, 85) + alphabet[i % 64] + '==', text.replace('=', '.'), text.slice(0, 87));
    }
    const disagreements = cases.filter((c) => hasCanonicalSignatureForm(c) !== isCanonicalSignature(c));
    expect(disagreements).toEqual([]);
    expect(cases.filter(hasCanonicalSignatureForm).length).toBeGreaterThan(2_000);
  });
});
