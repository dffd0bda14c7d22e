import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTelemetry, privateKeyFromBase64, publicKeyFromBase64, signingBytes, signMessage, verifyMessageSignature } from '@gridproof/telemetry';

/** docs/integrators.md promises a byte-exact signing example; keep it true. */
describe('docs/integrators.md worked signing example', () => {
  const doc = readFileSync(join(__dirname, '../../../docs/integrators.md'), 'utf8');
  const pick = (pattern: RegExp) => {
    const match = pattern.exec(doc);
    if (!match) throw new Error(`docs/integrators.md no longer has ${pattern}`);
    return match[1];
  };
  const seedHex = pick(/Private key seed \(hex\): `([0-9a-f]{64})`/);
  const publicKey = pick(/Public key \(base64\): `([^`]+)`/);
  const canonical = pick(/Canonical text that is signed[^\n]*\n\n```text\n([^\n]+)\n```/);
  const signed = pick(/Signed message, as published:\n\n```json\n([^\n]+)\n```/);

  it('verifies with the documented public key and GridProof\'s verifier', () => {
    const message = parseTelemetry(signed, { deviceId: 'inv-0001', type: 'pv-inverter', maxBytes: 16_384 });
    expect(signingBytes(message).toString('utf8')).toBe(canonical);
    expect(verifyMessageSignature(message, message.sig!, publicKeyFromBase64(publicKey))).toBe(true);
  });

  it('is what signing with the documented seed produces', () => {
    const { sig: _sig, ...unsigned } = JSON.parse(signed);
    const again = signMessage(unsigned, privateKeyFromBase64(Buffer.from(seedHex, 'hex').toString('base64')));
    expect(again.sig).toBe(JSON.parse(signed).sig);
  });
});
