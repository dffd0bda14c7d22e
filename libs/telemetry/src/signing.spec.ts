import { generateDeviceKeyPair, privateKeyFromBase64, publicKeyFromBase64, signMessage, verifyMessageSignature } from './signing';
import { jcs, recordBytes, signingBytes, toIngestRecord } from './canonical';

const message = { v: 1 as const, device: 'inv-1', ts: 1763683200000, seq: 5, readings: { ac_power_w: 100.5, heatsink_temp_c: 40 } };

describe('device signatures', () => {
  it('verifies a message signed with the device key and nothing else', () => {
    const keys = generateDeviceKeyPair();
    const other = generateDeviceKeyPair();
    const signed = signMessage(message, privateKeyFromBase64(keys.privateKey));
    expect(verifyMessageSignature(signed, signed.sig, publicKeyFromBase64(keys.publicKey))).toBe(true);
    expect(verifyMessageSignature(signed, signed.sig, publicKeyFromBase64(other.publicKey))).toBe(false);
    expect(verifyMessageSignature({ ...signed, seq: 6 }, signed.sig, publicKeyFromBase64(keys.publicKey))).toBe(false);
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
