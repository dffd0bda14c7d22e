import { KeyObject, verify } from 'node:crypto';
import { decodeCanonicalBase64, publicKeyFromBase64, signatureProblem } from '@gridproof/telemetry';

/**
 * Ed25519 verification (RFC 8032) behind one small interface: it is the CPU hot spot of ingest
 * (≈10k verifies/s per core), so it can run inline or on a pool of worker threads.
 */
export interface SignatureVerifier {
  /**
   * Refuses small-order and non-canonical keys and signatures whose R is small-order or whose
   * S >= L (see ed25519-strict in @gridproof/telemetry), whatever the registry holds.
   * @param publicKey base64 raw 32-byte key (as the registry stores it)
   * @param data the signed bytes (RFC 8785 canonical JSON of the message without "sig")
   * @param signature canonical base64 of the 64-byte signature; any other spelling of the same
   *   bytes is refused (see decodeCanonicalBase64)
   */
  verify(publicKey: string, data: Buffer, signature: string): boolean | Promise<boolean>;
  close(): Promise<void>;
}

/**
 * KeyObjects per public key: building one from the base64 key costs about as much as a verify.
 * Keyed by the key itself, so a device whose key is rotated simply gets a new entry.
 */
export class KeyCache {
  private readonly keys = new Map<string, KeyObject | null>();

  constructor(private readonly capacity = 200_000) {}

  get(publicKey: string): KeyObject | null {
    let key = this.keys.get(publicKey);
    if (key === undefined) {
      try {
        key = publicKeyFromBase64(publicKey);
      } catch {
        key = null;
      }
      if (this.keys.size >= this.capacity) this.keys.delete(this.keys.keys().next().value!);
      this.keys.set(publicKey, key);
    }
    return key;
  }
}

export function verifyEd25519(key: KeyObject | null, data: Buffer, signature: string): boolean {
  if (!key) return false;
  const sig = decodeCanonicalBase64(signature, 64);
  // Small-order R or S >= L: refused before OpenSSL, which would accept the first (issue 13).
  if (!sig || signatureProblem(sig)) return false;
  try {
    return verify(null, data, key, sig);
  } catch {
    return false;
  }
}

/** Verifies on the calling thread. */
export class InlineSignatureVerifier implements SignatureVerifier {
  private readonly cache = new KeyCache();

  verify(publicKey: string, data: Buffer, signature: string): boolean {
    return verifyEd25519(this.cache.get(publicKey), data, signature);
  }

  async close(): Promise<void> {}
}
