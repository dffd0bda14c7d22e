import { generateDeviceKeyPair, privateKeyFromBase64, signMessage, signingBytes } from '@gridproof/telemetry';
import { InlineSignatureVerifier, SignatureVerifier } from './signature-verifier';
import { WorkerPoolVerifier } from './worker-pool-verifier';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const device = generateDeviceKeyPair();
const thief = generateDeviceKeyPair();
const message = { v: 1 as const, device: 'inv-1', ts: 1763683200000, seq: 1, readings: { ac_power_w: 1 } };
const signed = signMessage(message, privateKeyFromBase64(device.privateKey));
const forged = signMessage(message, privateKeyFromBase64(thief.privateKey));

describe.each([
  [InlineSignatureVerifier.name, () => new InlineSignatureVerifier()],
  [WorkerPoolVerifier.name, () => new WorkerPoolVerifier({ size: 2, maxBatch: 8 })],
])('%s', (_name, create: () => SignatureVerifier) => {
  let verifier: SignatureVerifier;
  beforeAll(() => {
    verifier = create();
  });
  afterAll(() => verifier.close());

  it("accepts the device's signature and refuses another device's, a tampered message, a malformed signature or key", async () => {
    const results = await Promise.all([
      verifier.verify(device.publicKey, signingBytes(message), signed.sig),
      verifier.verify(device.publicKey, signingBytes(message), forged.sig),
      verifier.verify(device.publicKey, signingBytes({ ...message, seq: 2 }), signed.sig),
      verifier.verify(device.publicKey, signingBytes(message), 'AAAA'),
      verifier.verify('not-a-key', signingBytes(message), signed.sig),
    ]);
    expect(results).toEqual([true, false, false, false, false]);
  });

  it('refuses a valid signature spelled in non-canonical base64 (same bytes, other text)', async () => {
    const last = ALPHABET.indexOf(signed.sig[85]);
    const padBitsChanged = signed.sig.slice(0, 85) + ALPHABET[last ^ 1] + '==';
    const spellings = [padBitsChanged, signed.sig.slice(0, 86), signed.sig + '\n', signed.sig.replace(/\+/g, '-').replace(/\//g, '_') + ' '];
    for (const s of spellings) expect(Buffer.from(s, 'base64').equals(Buffer.from(signed.sig, 'base64'))).toBe(true);
    const results = await Promise.all(spellings.map((s) => verifier.verify(device.publicKey, signingBytes(message), s)));
    expect(results).toEqual(spellings.map(() => false));
    expect(await verifier.verify(device.publicKey + '\n', signingBytes(message), signed.sig)).toBe(false);
  });

  it('refuses the small-order forgery (identity key, R = identity, S = 0) and a signature with S >= L, in any key spelling', async () => {
    const identity = Buffer.concat([Buffer.from([1]), Buffer.alloc(31)]);
    const forgedSig = Buffer.concat([identity, Buffer.alloc(32)]).toString('base64');
    // The identity as y = 1, as y = 1 with the sign bit, and as y = p + 1 (non-canonical).
    const spellings = [identity, Buffer.from([1, ...Array(30).fill(0), 0x80]), Buffer.from([0xee, ...Array(30).fill(0xff), 0x7f])];
    const results = await Promise.all(spellings.map((key) => verifier.verify(key.toString('base64'), signingBytes(message), forgedSig)));
    expect(results).toEqual([false, false, false]);
    // A real key with the forged R = identity, S = 0 signature.
    expect(await verifier.verify(device.publicKey, signingBytes(message), forgedSig)).toBe(false);
    const sig = Buffer.from(signed.sig, 'base64');
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const s = BigInt('0x' + Buffer.from(sig.subarray(32)).reverse().toString('hex')) + L;
    const malleated = Buffer.concat([sig.subarray(0, 32), Buffer.from(s.toString(16).padStart(64, '0'), 'hex').reverse()]).toString('base64');
    expect(await verifier.verify(device.publicKey, signingBytes(message), malleated)).toBe(false);
    expect(await verifier.verify(device.publicKey, signingBytes(message), signed.sig)).toBe(true);
  });

  it('answers many concurrent jobs each with its own result', async () => {
    const jobs = Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? forged.sig : signed.sig));
    const results = await Promise.all(jobs.map((sig) => verifier.verify(device.publicKey, signingBytes(message), sig)));
    expect(results).toEqual(jobs.map((sig) => sig === signed.sig));
  });

  it('keeps each job with its own bytes in a batch of messages of different lengths, views into shared buffers included', async () => {
    const key = privateKeyFromBase64(device.privateKey);
    const messages = Array.from({ length: 40 }, (_, i) => ({ ...message, seq: i * 997, readings: { ac_power_w: i, note_w: 10 ** (i % 9) } }));
    const sigs = messages.map((m) => signMessage(m, key).sig);
    // Every third job is checked against the next message's bytes: must fail. Bytes as views at an offset of a larger buffer.
    const bytes = messages.map((m, i) => {
      const own = signingBytes(i % 3 === 2 ? messages[(i + 1) % messages.length] : m);
      const pool = Buffer.alloc(own.length + 7 + i);
      own.copy(pool, 7);
      return pool.subarray(7, 7 + own.length);
    });
    const results = await Promise.all(messages.map((_, i) => verifier.verify(device.publicKey, bytes[i], sigs[i])));
    expect(results).toEqual(messages.map((_, i) => i % 3 !== 2));
  });
});
