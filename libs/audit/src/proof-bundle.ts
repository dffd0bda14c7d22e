import { z } from 'zod';
import { keyEventRecordSchema } from '@gridproof/telemetry';

/**
 * A self-contained proof that one reading is what its device signed and that it was committed
 * on chain. Everything a verifier needs is inside, except the chain itself (docs/auditors.md).
 * Hex is lowercase and 0x-less (32-byte hashes) so that every bit of the file matters.
 */
export const PROOF_BUNDLE_FORMAT = 'gridproof-proof/1';

const hash = z.string().regex(/^[0-9a-f]{64}$/, 'a 32-byte lowercase hex hash');

/**
 * The algorithms a bundle is verified with, named in every bundle so a verifier written
 * elsewhere knows exactly what to run (docs/anchoring.md): SHA-256 (FIPS 180-4) inside an
 * RFC 6962 Merkle tree (leaf 0x00, node 0x01), records canonicalised with RFC 8785, Ed25519
 * signatures (RFC 8032) over RFC 8785 of the record without sig and rx.
 */
export const PROOF_ALGORITHMS = { hash: 'sha-256', tree: 'rfc6962', canonicalization: 'rfc8785', signature: 'ed25519' } as const;

/**
 * The anchoring contract's ABI identifiers a verifier calls and reads (keccak-256 of the
 * signatures; contract-artifact.spec.ts checks them against contracts/GridProofAnchor.json).
 */
export const ANCHOR_ABI_IDS = {
  getBatch: '0x5ac44282',
  anchor: '0xc6ae66a3',
  anchoredEvent: '0xfdbe6cc011df251a01f178e769b2f584cd3826cc82336f040909e69452bc6d03',
} as const;
const ms = z.number().int().nonnegative();

// Nullable strings are described so zod keeps `anyOf [string, null]` in the API's OpenAPI
// document (see orNull in libs/core); this file stays free of server imports for the verify CLI.

/** A stored reading as a leaf hashes it: the device's signed content plus sig and rx (docs/anchoring.md §1). */
export const ingestRecordSchema = z
  .object({
    v: z.literal(1),
    device: z.string().min(1),
    ts: ms,
    seq: z.number().int().nonnegative(),
    readings: z.record(z.string(), z.union([z.number(), z.string()])),
    sig: z.string().describe("the device's Ed25519 signature (base64), if it signed").nullable(),
    rx: ms,
  })
  .strict();

/** A batch's tree head as a bundle names it (checked against getBatch on chain). */
const batchHead = z
  .object({
    id: z.number().int().nonnegative(),
    start: ms,
    end: ms,
    /** Leaves this batch added to the log. */
    count: z.number().int().positive(),
    /** The log's size at this batch's head (RFC 6962 tree_size; on chain as `count`). */
    treeSize: z.number().int().positive(),
    root: hash,
    prevRoot: hash,
  })
  .strict();

export const proofBundleSchema = z
  .object({
    format: z.literal(PROOF_BUNDLE_FORMAT),
    algorithms: z
      .object({
        hash: z.literal(PROOF_ALGORITHMS.hash),
        tree: z.literal(PROOF_ALGORITHMS.tree),
        canonicalization: z.literal(PROOF_ALGORITHMS.canonicalization),
        signature: z.literal(PROOF_ALGORITHMS.signature),
      })
      .strict(),
    /** The device's signature: record.sig is authoritative (it is what the leaf hashes); this copies it. */
    record: ingestRecordSchema,
    /**
     * The device key valid at the reading's rx, from the device's append-only key history (not
     * the current key: a bundle made after a rotation or deletion still verifies).
     */
    device: z.object({ id: z.string().min(1), publicKey: z.string().describe('base64 raw Ed25519 key valid at rx').nullable() }).strict(),
    signature: z.string().describe('record.sig, copied').nullable(),
    leaf: hash,
    /** The leaf's index in the whole log (not in the batch). */
    leafIndex: z.number().int().nonnegative(),
    /** RFC 6962 §2.1.1 audit path of the leaf in the tree of batch.treeSize leaves. */
    path: z.array(hash),
    batch: batchHead,
    chain: z
      .object({
        chainId: z.number().int().positive(),
        contract: z.string().regex(/^0x[0-9a-f]{40}$/, 'a lowercase 0x address'),
        txHash: z.string().regex(/^0x[0-9a-f]{64}$/, 'a lowercase 0x transaction hash'),
        blockNumber: z.number().int().nonnegative(),
        abi: z.object({ getBatch: z.literal(ANCHOR_ABI_IDS.getBatch), anchor: z.literal(ANCHOR_ABI_IDS.anchor), anchoredEvent: z.literal(ANCHOR_ABI_IDS.anchoredEvent) }).strict(),
        // The block pinned by hash and header timestamp (Unix seconds): a re-created chain can
        // repeat the transaction hash and block number, never the block hash.
        blockHash: z.string().regex(/^0x[0-9a-f]{64}$/, 'a lowercase 0x block hash'),
        blockTimestamp: z.number().int().nonnegative(),
      })
      .strict(),
    /**
     * Optional (asked for with consistencyTo): RFC 6962 §2.1.2 proof that the later anchored head
     * `batchId` (treeSize, root) extends this bundle's head: the log was only appended to since.
     */
    consistency: z.object({ batchId: z.number().int().nonnegative(), treeSize: z.number().int().positive(), root: hash, proof: z.array(hash) }).strict().optional(),
    /**
     * The key event that made device.publicKey valid (registration or rotation), as a leaf of
     * the same log: its record (docs/anchoring.md §1), leaf, index in the log and RFC 6962 audit
     * path in the head of the batch that logged it. verify fails a bundle without it: its key
     * would be the SQL store's word alone. Optional in the schema so bundles written before key
     * events were logged still parse (and fail verify with that reason).
     */
    keyEvent: z.object({ record: keyEventRecordSchema, leaf: hash, leafIndex: z.number().int().nonnegative(), path: z.array(hash), batch: batchHead }).strict().optional(),
  })
  .strict();

export type ProofBundle = z.infer<typeof proofBundleSchema>;
