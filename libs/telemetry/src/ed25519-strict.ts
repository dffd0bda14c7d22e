import { ed25519 } from '@noble/curves/ed25519';

/**
 * Strict Ed25519 checks on top of RFC 8032 verification.
 *
 * OpenSSL (Node's crypto.verify) checks [S]B = R + [k]A with S < L, but it accepts a public key
 * A of small order: with A = identity (`01` then 31 zero bytes), R = identity and S = 0 the
 * equation holds for every message, so anyone could "sign" as that device. The fix is the one
 * libsodium applies in crypto_sign_verify_detached: refuse public keys and R values that
 * encode one of the 8 small-order points (the torsion subgroup, order 1, 2, 4 or 8), in every
 * spelling, including the non-canonical y >= p ones and either sign bit; and refuse S >= L
 * (RFC 8032 §5.1.7 step 1, the malleability check; OpenSSL does it too, repeated here so the
 * rule does not depend on the library). Public keys are further required to be canonical
 * (y < p, RFC 8032 §5.1.3 step 1) and to decode to a curve point, checked with @noble/curves in
 * RFC 8032 mode (zip215: false), the version ethers already brings.
 */

/** p = 2^255 - 19, the field prime (RFC 8032 §5.1). */
const P = 2n ** 255n - 19n;
/** L = 2^252 + 27742317777372353535851937790883648493, the prime order of the base point (RFC 8032 §5.1). */
export const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n;
/** y of the points of order 8 (libsodium's ge25519_has_small_order blocklist); the others are p - Y8. */
const Y8 = 2707385501144840649318225287225658788936804267575313519463743609750303402022n;

/**
 * The y coordinates of the 8 small-order points: 1 (identity), p - 1 (order 2), 0 (two points
 * of order 4, x = ±sqrt(-1)), Y8 and p - Y8 (four points of order 8), plus the non-canonical
 * spellings that still fit in 255 bits: p (= 0) and p + 1 (= 1). The sign bit (bit 255) selects
 * x and is ignored, so each entry covers both spellings.
 */
const SMALL_ORDER_Y = [1n, P - 1n, 0n, Y8, P - Y8, P, P + 1n];

function littleEndian32(n: bigint): Buffer {
  const out = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** Hex of the 32-byte encodings (sign bit clear) of every small-order y above. */
export const SMALL_ORDER_ENCODINGS_HEX: readonly string[] = SMALL_ORDER_Y.map((y) => littleEndian32(y).toString('hex'));
const SMALL_ORDER = new Set(SMALL_ORDER_ENCODINGS_HEX);

/** Hex of L as 32 little-endian bytes (for code that cannot import this module, the verifier threads). */
export const ED25519_L_HEX = littleEndian32(ED25519_L).toString('hex');

/** True if the 32 bytes encode a small-order point, in any spelling (sign bit ignored). */
export function isSmallOrderEncoding(point: Uint8Array): boolean {
  if (point.length !== 32) return false;
  const bytes = Buffer.from(point);
  bytes[31] &= 0x7f;
  return SMALL_ORDER.has(bytes.toString('hex'));
}

function fromLittleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

/** True if the 32 little-endian bytes are a scalar below L (RFC 8032 §5.1.7: S in [0, L)). */
export function isCanonicalScalar(s: Uint8Array): boolean {
  if (s.length !== 32) return false;
  // Almost every honest S is below 2^252 (top byte < 0x10), which is below L: no BigInt needed.
  if (s[31] < 0x10) return true;
  return fromLittleEndian(s) < ED25519_L;
}

/**
 * Why a 64-byte signature is refused before any curve arithmetic, or null: R of small order
 * (the forgery of issue 13, R = identity and S = 0) or S not below L (a malleated signature).
 */
export function signatureProblem(sig: Uint8Array): string | null {
  if (sig.length !== 64) return `an Ed25519 signature is 64 bytes, got ${sig.length}`;
  if (isSmallOrderEncoding(sig.subarray(0, 32))) return 'R is a small-order point';
  if (!isCanonicalScalar(sig.subarray(32, 64))) return 'S is not below the group order L (non-canonical, RFC 8032 §5.1.7)';
  return null;
}

/**
 * Why 32 bytes are not an acceptable Ed25519 public key, or null. Checked at registration and
 * rotation with `onCurve` (the full decoding costs ≈ 180 µs), and without it when ingest first
 * meets a key: there OpenSSL's verify already fails for bytes that are not a curve point.
 */
export function publicKeyProblem(key: Uint8Array, { onCurve = false }: { onCurve?: boolean } = {}): string | null {
  if (key.length !== 32) return `an Ed25519 public key is 32 bytes, got ${key.length}`;
  if (isSmallOrderEncoding(key)) {
    return 'a small-order point (one of the 8 points of order 1, 2, 4 or 8): signatures for it can be forged without its private key';
  }
  const y = fromLittleEndian(key) & (2n ** 255n - 1n);
  if (y >= P) return 'a non-canonical encoding (y >= 2^255 - 19, RFC 8032 §5.1.3)';
  if (!onCurve) return null;
  try {
    // noble's default is RFC 8032 decoding (zip215: false; its 1.2.0 typings omit that second
    // argument): refuses y >= p and x = 0 with the sign bit set, a second spelling.
    ed25519.ExtendedPoint.fromHex(key);
  } catch {
    return 'not the encoding of a point on the Ed25519 curve (RFC 8032 §5.1.3)';
  }
  return null;
}
