import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign, verify } from 'node:crypto';
import { signingBytes } from './canonical';
import { publicKeyProblem, signatureProblem } from './ed25519-strict';
import { TelemetryMessage } from './message';

/**
 * Ed25519 device keys. Public keys travel as base64 of the raw 32-byte key (RFC 8032 §5.1.5);
 * private keys as base64 of the raw 32-byte seed. Signatures are base64 of the 64-byte
 * RFC 8032 signature over signingBytes(message).
 *
 * Public keys and signatures are accepted in canonical base64 only: the standard alphabet with
 * "=" padding (RFC 4648 §4) and zero pad bits (§3.5), i.e. exactly the text Buffer's encoder
 * writes (44 characters for a key, 88 ending in "==" for a signature). Node's decoder is
 * lenient (it skips unknown characters, ignores pad bits, takes the URL alphabet and missing
 * padding), so many texts decode to the same bytes; the stored sig is part of the ingest record
 * an auditor hashes, so one signature must have exactly one spelling.
 */
export const SIGNATURE_BASE64_LENGTH = 88;
export const PUBLIC_KEY_BASE64_LENGTH = 44;

/**
 * The bytes of `text` if it is the canonical base64 of exactly `byteLength` bytes, else null.
 * Re-encoding the decoded bytes must give back the identical text: that rules out every other
 * spelling at once.
 */
export function decodeCanonicalBase64(text: string, byteLength: number): Buffer | null {
  if (typeof text !== 'string' || text.length !== 4 * Math.ceil(byteLength / 3)) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === byteLength && bytes.toString('base64') === text ? bytes : null;
}

/** True if `sig` is the canonical base64 of 64 bytes (88 characters, "==" padding). */
export function isCanonicalSignature(sig: string): boolean {
  return decodeCanonicalBase64(sig, 64) !== null;
}
export interface DeviceKeyPair {
  publicKey: string;
  privateKey: string;
}

export function generateDeviceKeyPair(): DeviceKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = publicKey.export({ format: 'jwk' }).x as string;
  const priv = privateKey.export({ format: 'jwk' }).d as string;
  return { publicKey: Buffer.from(pub, 'base64url').toString('base64'), privateKey: Buffer.from(priv, 'base64url').toString('base64') };
}

export function publicKeyFromBase64(raw: string): KeyObject {
  const bytes = decodeCanonicalBase64(raw, 32);
  if (!bytes) {
    const length = Buffer.from(String(raw), 'base64').length;
    if (length !== 32) throw new Error(`an Ed25519 public key is 32 bytes, got ${length}`);
    throw new Error(`an Ed25519 public key must be canonical base64 (RFC 4648 §4: ${PUBLIC_KEY_BASE64_LENGTH} characters, standard alphabet, "=" padding, zero pad bits)`);
  }
  const problem = publicKeyProblem(bytes);
  if (problem) throw new Error(`refused Ed25519 public key: ${problem}`);
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: bytes.toString('base64url') }, format: 'jwk' });
}

export function privateKeyFromBase64(seed: string): KeyObject {
  const bytes = Buffer.from(seed, 'base64');
  if (bytes.length !== 32) throw new Error(`an Ed25519 private key seed is 32 bytes, got ${bytes.length}`);
  const pub = createPublicKey(createPrivateKey({ key: pkcs8FromSeed(bytes), format: 'der', type: 'pkcs8' }));
  const x = pub.export({ format: 'jwk' }).x as string;
  return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: bytes.toString('base64url'), x }, format: 'jwk' });
}

// RFC 8410 PKCS#8 prefix for an Ed25519 private key; the 32-byte seed follows.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
function pkcs8FromSeed(seed: Buffer): Buffer {
  return Buffer.concat([PKCS8_ED25519_PREFIX, seed]);
}

/**
 * Why `raw` cannot be registered as a device's public key, or null: not canonical base64 of
 * 32 bytes, a small-order point, a non-canonical y, or no point of the curve at all.
 */
export function publicKeyTextProblem(raw: string): string | null {
  try {
    publicKeyFromBase64(raw);
  } catch (err) {
    return (err as Error).message;
  }
  const problem = publicKeyProblem(decodeCanonicalBase64(raw, 32)!, { onCurve: true });
  return problem ? `refused Ed25519 public key: ${problem}` : null;
}

export function isValidPublicKey(raw: string): boolean {
  return publicKeyTextProblem(raw) === null;
}

/** Signs a message (without its sig) and returns it with "sig" set. */
export function signMessage<M extends Omit<TelemetryMessage, 'sig'>>(message: M, privateKey: KeyObject): M & { sig: string } {
  const sig = sign(null, signingBytes(message), privateKey).toString('base64');
  return { ...message, sig };
}

export function verifyMessageSignature(
  message: Pick<TelemetryMessage, 'device' | 'ts' | 'seq' | 'readings'>,
  signatureBase64: string,
  publicKey: KeyObject,
): boolean {
  const sig = decodeCanonicalBase64(signatureBase64, 64);
  if (!sig || signatureProblem(sig)) return false;
  return verify(null, signingBytes(message), publicKey, sig);
}
