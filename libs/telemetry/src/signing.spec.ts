import { generateDeviceKeyPair, isCanonicalSignature, isValidPublicKey, privateKeyFromBase64, publicKeyFromBase64, signMessage, verifyMessageSignature } from './signing';
import { jcs, recordBytes, signingBytes, toIngestRecord } from './canonical';

const message = { v: 1 as const, device: 'inv-1', ts: 1763683200000, seq: 5, readings: { ac_power_w: 100.5, heatsink_temp_c: 40 } };

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Texts Node's lenient base64 decoder turns into the same 64 bytes as `sig` (RFC 4648 §3.5:
 * the last character before "==" carries 4 pad bits; §3.2: padding may be dropped; §5: the
 * URL alphabet; §3.3: characters outside the alphabet are skipped).
 */
function nonCanonicalSpellings(sig: string): string[] {
  const last = ALPHABET.indexOf(sig[85]);
  const padBits = Array.from({ length: 15 }, (_, i) => sig.slice(0, 85) + ALPHABET[(last & 0b110000) | ((last & 0b1111) ^ (i + 1))] + '==');
  return [
    ...padBits.filter((s) => s !== sig),
    sig.slice(0, 86),
    sig.slice(0, 87),
    sig + '\n',
    ' ' + sig,
    sig.slice(0, 40) + '\r\n' + sig.slice(40),
    sig.replace(/\+/g, '-').replace(/\//g, '_'),
    sig + '==',
  ].filter((s) => s !== sig);
}

describe('device signatures', () => {
  it('verifies a message signed with the device key and nothing else', () => {
    const keys = generateDeviceKeyPair();
    const other = generateDeviceKeyPair();
    const signed = signMessage(message, privateKeyFromBase64(keys.privateKey));
    expect(verifyMessageSignature(signed, signed.sig, publicKeyFromBase64(keys.publicKey))).toBe(true);
    expect(verifyMessageSignature(signed, signed.sig, publicKeyFromBase64(other.publicKey))).toBe(false);
    expect(verifyMessageSignature({ ...signed, seq: 6 }, signed.sig, publicKeyFromBase64(keys.publicKey))).toBe(false);
  });

  it('refuses a signature in any base64 spelling but the canonical one, though the bytes decode the same', () => {
    const keys = generateDeviceKeyPair();
    const pub = publicKeyFromBase64(keys.publicKey);
    const signed = signMessage(message, privateKeyFromBase64(keys.privateKey));
    expect(signed.sig).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    for (const spelling of nonCanonicalSpellings(signed.sig)) {
      expect(Buffer.from(spelling, 'base64').equals(Buffer.from(signed.sig, 'base64'))).toBe(true);
      expect({ spelling, ok: verifyMessageSignature(signed, spelling, pub) }).toEqual({ spelling, ok: false });
    }
    expect(isCanonicalSignature(signed.sig)).toBe(true);
    expect(nonCanonicalSpellings(signed.sig).some(isCanonicalSignature)).toBe(false);
  });

  it('accepts only canonical base64 for public keys', () => {
    const { publicKey } = generateDeviceKeyPair();
    expect(isValidPublicKey(publicKey)).toBe(true);
    const last = publicKey[42];
    const sameBytes = publicKey.slice(0, 42) + ALPHABET[ALPHABET.indexOf(last) ^ 1] + '=';
    for (const spelling of [publicKey.slice(0, 43), sameBytes, ` ${publicKey}`, publicKey.replace(/\+/g, '-').replace(/\//g, '_'), publicKey + '\n']) {
      if (spelling === publicKey) continue;
      expect(Buffer.from(spelling, 'base64').equals(Buffer.from(publicKey, 'base64'))).toBe(true);
      expect({ spelling, valid: isValidPublicKey(spelling) }).toEqual({ spelling, valid: false });
      expect(() => publicKeyFromBase64(spelling)).toThrow(/canonical/);
    }
  });

  it('signs the canonical form, so key order does not matter', () => {
    const reordered = { readings: { heatsink_temp_c: 40, ac_power_w: 100.5 }, seq: 5, ts: 1763683200000, device: 'inv-1', v: 1 as const };
    expect(signingBytes(reordered).equals(signingBytes(message))).toBe(true);
  });
});

describe('canonical JSON (RFC 8785)', () => {
  it('sorts keys and serialises numbers as ECMAScript does', () => {
    expect(jcs({ b: 1, a: [1e21, 0.1, -0, 1.5e-7] }).toString()).toBe('{"a":[1e+21,0.1,0,1.5e-7],"b":1}');
  });

  it('gives the record bytes of the ingest record, signature and receive time included', () => {
    const record = toIngestRecord({ ...message, sig: 'c2ln' }, 1763683200123);
    expect(recordBytes(record).toString()).toBe(
      '{"device":"inv-1","readings":{"ac_power_w":100.5,"heatsink_temp_c":40},"rx":1763683200123,"seq":5,"sig":"c2ln","ts":1763683200000,"v":1}',
    );
  });
});
