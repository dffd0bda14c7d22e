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

  it('writes signing and record bytes exactly as the generic canonicaliser does, for any keys, strings and numbers', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 48_271) % 2_147_483_647) - 1) / 2_147_483_646;
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
    const keys = ['a', 'b', 'B', '_', '10', '9', '1', 'ac_power_w', 'é', 'e\u0301', '😀', '\uffff', '\ud800', 'key with "quotes"', 'back\\slash', 'tab\t', 'z'.repeat(64)];
    const numbers = [0, -0, 1, -1, 0.1, 0.1 + 0.2, 1e21, 1e-7, 1.5e-7, 123456789012345680000, 5e-324, Number.MAX_VALUE, Number.MAX_SAFE_INTEGER, -4210.5, 4.35];
    const strings = ['', 'Charging', 'ü', '"', '\\', '\n\u0000\u001f', '😀', '\udc00', '</script>'];
    for (let i = 0; i < 500; i++) {
      const readings: Record<string, number | string> = {};
      for (let k = 1 + Math.floor(rand() * 8); k > 0; k--) readings[pick(keys)] = rand() < 0.3 ? pick(strings) : rand() < 0.5 ? pick(numbers) : (rand() - 0.5) * 10 ** Math.floor(rand() * 12);
      const m = { device: pick(['inv-1', 'a', 'dev"ice']), ts: Math.floor(rand() * 2e12), seq: Math.floor(rand() * 1e9), readings };
      expect(signingBytes(m).equals(jcs({ v: 1, device: m.device, ts: m.ts, seq: m.seq, readings }))).toBe(true);
      const record = { v: 1 as const, ...m, sig: rand() < 0.5 ? null : 'c2ln', rx: m.ts + 5 };
      expect(recordBytes(record).equals(jcs({ ...record }))).toBe(true);
    }
  });

  it('leaves values outside the message schema to the generic canonicaliser', () => {
    const odd = [{ a: 1, b: undefined }, { a: { nested: [1, 2] } }, Object.assign(Object.create({ inherited: 1 }) as object, { a: 1 })] as unknown as Array<Record<string, number>>;
    for (const readings of odd) expect(signingBytes({ ...message, readings }).equals(jcs({ v: 1, device: message.device, ts: message.ts, seq: message.seq, readings }))).toBe(true);
    expect(() => signingBytes({ ...message, readings: { a: Number.NaN } })).toThrow(/NaN is not allowed/);
  });

  it('gives the record bytes of the ingest record, signature and receive time included', () => {
    const record = toIngestRecord({ ...message, sig: 'c2ln' }, 1763683200123);
    expect(recordBytes(record).toString()).toBe(
      '{"device":"inv-1","readings":{"ac_power_w":100.5,"heatsink_temp_c":40},"rx":1763683200123,"seq":5,"sig":"c2ln","ts":1763683200000,"v":1}',
    );
  });
});
