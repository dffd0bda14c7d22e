import { type ChainVerifier, keyEventLeaf, leafHash, openChainVerifier, rootFromPath, verifyConsistency } from '@gridproof/anchor';
import { jcs, publicKeyFromBase64, verifyMessageSignature } from '@gridproof/telemetry';
import { proofBundleSchema, ProofBundle } from './proof-bundle';

export interface VerificationCheck {
  name: 'format' | 'signature' | 'keyEvent' | 'leaf' | 'inclusion' | 'window' | 'consistency' | 'chain' | 'contract' | 'transaction';
  ok: boolean;
  detail: string;
}

export interface VerificationReport {
  ok: boolean;
  checks: VerificationCheck[];
  /** Seconds from the reading's receipt (rx) to the anchoring block's timestamp; null when the chain was not checked. */
  anchoringDelaySeconds: number | null;
  /** What does not fail the proof but an auditor must weigh: a development chain, a late anchoring. */
  warnings: string[];
}

/**
 * Chain ids of development chains, whose state the operator alone controls: Hardhat and Anvil
 * (31337), Ganache and geth --dev (1337), Ganache's UI (5777).
 */
export const DEVELOPMENT_CHAIN_IDS: ReadonlySet<number> = new Set([31337, 1337, 5777]);

/**
 * A batch is normally anchored seconds after its window closes (GP_ANCHOR_SETTLE_MS, then one
 * block). An hour later means the batch was queued through a chain outage or re-anchored after
 * the chain lost it: worth a warning, and a question to the operator (its audit report).
 */
export const LATE_ANCHORING_SECONDS = 3_600;

/**
 * The standalone verifier: needs only the bundle and a chain's JSON-RPC endpoint (no InfluxDB,
 * no SQL store, no GridProof service). Checks, in order: the bundle's form; the device's
 * Ed25519 signature over the record's signed content; that the key comes from an anchored key
 * event (its record, leaf and audit path in the head of the batch that logged it, and on chain
 * that head); the leaf = SHA-256(0x00 ‖ JCS(record));
 * the audit path from the leaf to the batch root (RFC 6962 §2.1.1); the record's rx inside the
 * batch window; and on chain: the chain id, the contract's stored batch (root, previous root,
 * count, window), and the transaction that emitted the Anchored event in the stated block.
 * The chain is read through its chain kind's ChainVerifier (libs/anchor/src/chain/kinds): give
 * its JSON-RPC URL, or a verifier already open (reused across many bundles).
 */
export async function verifyBundle(input: unknown, rpc: string | ChainVerifier): Promise<VerificationReport> {
  const checks: VerificationCheck[] = [];
  const add = (name: VerificationCheck['name'], ok: boolean, detail: string) => {
    checks.push({ name, ok, detail });
    return ok;
  };
  const parsed = proofBundleSchema.safeParse(input);
  if (!parsed.success) {
    add('format', false, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    return { ok: false, checks, anchoringDelaySeconds: null, warnings: [] };
  }
  const b = parsed.data;
  add('format', b.device.id === b.record.device && b.signature === b.record.sig, 'bundle fields are consistent');
  checkSignature(b, add);
  const warnings: string[] = [];
  checkKeyEvent(b, add, warnings);
  const leaf = leafHash(jcs(b.record));
  add('leaf', leaf.toString('hex') === b.leaf, `leaf = SHA-256(0x00 ‖ JCS(record)) = ${leaf.toString('hex')}`);
  // The leaf must be one this batch added: index in [treeSize − count, treeSize) of the log.
  const inBatch = b.batch.count <= b.batch.treeSize && b.leafIndex >= b.batch.treeSize - b.batch.count;
  const root = rootFromPath(leaf, b.leafIndex, b.batch.treeSize, b.path.map((h) => Buffer.from(h, 'hex')));
  add(
    'inclusion',
    inBatch && root !== null && root.toString('hex') === b.batch.root,
    `audit path of leaf ${b.leafIndex} (one of the ${b.batch.count} batch ${b.batch.id} added) in the log of ${b.batch.treeSize} leaves leads to ${root?.toString('hex') ?? 'nothing'}`,
  );
  add('window', b.record.rx >= b.batch.start && b.record.rx < b.batch.end, `rx ${b.record.rx} in [${b.batch.start}, ${b.batch.end})`);
  if (b.consistency) {
    const c = b.consistency;
    const ok = c.batchId >= b.batch.id && verifyConsistency(b.batch.treeSize, c.treeSize, Buffer.from(b.batch.root, 'hex'), Buffer.from(c.root, 'hex'), c.proof.map((h) => Buffer.from(h, 'hex')));
    add('consistency', ok, `RFC 6962 consistency proof from head ${b.batch.treeSize} (batch ${b.batch.id}) to head ${c.treeSize} (batch ${c.batchId}): ${ok ? 'the later log extends this one' : 'does not verify'}`);
  }
  if (DEVELOPMENT_CHAIN_IDS.has(b.chain.chainId)) {
    warnings.push(`chain id ${b.chain.chainId} is a development chain: its operator alone keeps its state, so it proves only what that operator could not have re-created since (docs/auditors.md)`);
  }
  // Block time is in seconds, rx in milliseconds.
  const delay = b.chain.blockTimestamp - b.record.rx / 1000;
  const afterWindow = b.chain.blockTimestamp - b.batch.end / 1000;
  if (afterWindow > LATE_ANCHORING_SECONDS) {
    warnings.push(`the batch was anchored ${formatSeconds(afterWindow)} after its window closed: it waited through a chain outage or was re-anchored (ask for the operator's audit report)`);
  }
  if (checks.some((c) => !c.ok)) return { ok: false, checks, anchoringDelaySeconds: null, warnings };

  let chain: ChainVerifier | null = null;
  try {
    chain = typeof rpc === 'string' ? await openChainVerifier(rpc) : rpc;
    await checkChain(b, chain, add);
  } catch (err) {
    add('chain', false, `chain unreachable or answered badly: ${(err as Error).message}`);
  } finally {
    if (typeof rpc === 'string') chain?.close();
  }
  const ok = checks.every((c) => c.ok);
  // The delay is a fact of the pinned block only once the chain confirmed that block.
  return { ok, checks, anchoringDelaySeconds: ok ? delay : null, warnings };
}

function formatSeconds(s: number): string {
  if (s < 120) return `${s.toFixed(1)} s`;
  if (s < 7_200) return `${(s / 60).toFixed(1)} min`;
  if (s < 172_800) return `${(s / 3_600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} days`;
}

function checkSignature(b: ProofBundle, add: (n: VerificationCheck['name'], ok: boolean, d: string) => boolean): void {
  if (b.record.sig === null) {
    add('signature', false, 'the record is unsigned: its device was registered without a signature requirement');
    return;
  }
  if (!b.device.publicKey) {
    add('signature', false, 'the bundle carries no device public key');
    return;
  }
  // Only canonical base64 (RFC 4648 §3.5: pad bits zero), so no two texts name the same key.
  if (Buffer.from(b.device.publicKey, 'base64').toString('base64') !== b.device.publicKey) {
    add('signature', false, 'the device public key is not canonical base64');
    return;
  }
  try {
    const ok = verifyMessageSignature(b.record, b.record.sig, publicKeyFromBase64(b.device.publicKey));
    add('signature', ok, ok ? `Ed25519 signature by ${b.device.id} is valid` : 'the Ed25519 signature does not match the record and key');
  } catch (err) {
    add('signature', false, (err as Error).message);
  }
}

/**
 * The key the bundle uses must be one an anchored key event made valid (docs/anchoring.md §1,
 * §7): otherwise it is the SQL store's word alone, which an operator can rewrite. Offline part:
 * the event is the device's, makes exactly this key valid, took effect no later than the
 * reading's receipt, and its leaf's audit path leads to the head it names (checked on chain in
 * checkChain). What the log cannot show here is that no later event revoked the key before rx
 * (an RFC 6962 log proves membership, not absence): the audit, which reads every key event of
 * the log, checks that.
 */
function checkKeyEvent(b: ProofBundle, add: (n: VerificationCheck['name'], ok: boolean, d: string) => boolean, warnings: string[]): void {
  const k = b.keyEvent;
  if (!k) {
    add('keyEvent', false, 'the bundle carries no key event: its device key is not shown to come from the anchored log (a bundle made before key events were logged, or a key the log never received)');
    return;
  }
  const r = k.record;
  const problems: string[] = [];
  if (r.device !== b.record.device) problems.push(`the key event is of ${r.device}, the reading of ${b.record.device}`);
  if (r.event === 'deleted') problems.push('the key event is a deletion: no key is valid after it');
  if (r.publicKey !== b.device.publicKey) problems.push(`the key event makes ${r.publicKey ?? 'no key'} valid, the bundle uses ${b.device.publicKey ?? 'none'}`);
  if (r.at > b.record.rx) problems.push(`the key event took effect at ${r.at}, after the reading was received (rx ${b.record.rx})`);
  if (r.rx < r.at) problems.push(`the key event says the log received it (rx ${r.rx}) before it took effect (${r.at})`);
  const leaf = keyEventLeaf(r);
  if (leaf.toString('hex') !== k.leaf) problems.push(`its leaf is SHA-256(0x00 ‖ JCS(record)) = ${leaf.toString('hex')}, the bundle says ${k.leaf}`);
  const inBatch = k.batch.count <= k.batch.treeSize && k.leafIndex >= k.batch.treeSize - k.batch.count;
  const root = rootFromPath(leaf, k.leafIndex, k.batch.treeSize, k.path.map((h) => Buffer.from(h, 'hex')));
  if (!inBatch || root === null || root.toString('hex') !== k.batch.root) {
    problems.push(`its audit path (leaf ${k.leafIndex} in the log of ${k.batch.treeSize}) does not lead to batch ${k.batch.id}'s root: the key event is not in the anchored log as stated (was the key history edited?)`);
  }
  if (r.rx < k.batch.start || r.rx >= k.batch.end) problems.push(`its rx ${r.rx} is outside batch ${k.batch.id}'s window [${k.batch.start}, ${k.batch.end})`);
  // Made live, an event is logged at the time it takes effect, so in the reading's batch or an
  // earlier one. Only history imported when key events began to be logged comes later.
  const imported = r.rx > r.at;
  if (k.batch.id > b.batch.id && !imported) problems.push(`it was logged in batch ${k.batch.id}, after the reading's batch ${b.batch.id}`);
  if (problems.length) {
    add('keyEvent', false, `the device key does not come from an anchored key event: ${problems.join('; ')}`);
    return;
  }
  add('keyEvent', true, `key made valid by key event ${r.id} (${r.event} at ${new Date(r.at).toISOString()}), leaf ${k.leafIndex} under batch ${k.batch.id}'s head`);
  if (imported) {
    warnings.push(
      `key event ${r.id} entered the log at ${new Date(r.rx).toISOString()}, ${formatSeconds((r.rx - r.at) / 1000)} after it took effect: history imported when key events began to be logged (docs/anchoring.md §1); the log vouches for this key only since then`,
    );
  }
}

/** A batch's head as the contract stores it, with the batch's own leaf count (its size minus the previous head's). */
async function headOnChain(chain: ChainVerifier, contract: string, id: number): Promise<{ root: string; prevRoot: string; treeSize: number; count: number; start: number; end: number; block: number } | null> {
  const s = await chain.storedHead(contract, id);
  if (!s) return null;
  const prevSize = id > 0 ? (await chain.storedHead(contract, id - 1))!.count : 0;
  return { root: s.root, prevRoot: s.prevRoot, treeSize: s.count, count: s.count - prevSize, start: s.start, end: s.end, block: s.anchoredAtBlock };
}

async function checkChain(b: ProofBundle, chain: ChainVerifier, add: (n: VerificationCheck['name'], ok: boolean, d: string) => boolean): Promise<void> {
  const chainId = await chain.chainId();
  if (!add('chain', chainId === b.chain.chainId, `the node's chain id is ${chainId}, the bundle's ${b.chain.chainId}`)) return;

  const s = await chain.storedHead(b.chain.contract, b.batch.id);
  if (!s) {
    add('contract', false, `no contract at ${b.chain.contract}`);
    return;
  }
  const stored = { root: s.root, prevRoot: s.prevRoot, count: s.count, start: s.start, end: s.end, block: s.anchoredAtBlock };
  // On chain, count is the log's size at the batch's head (docs/anchoring.md §4); the batch's
  // own count is that minus the previous head's size.
  const prevSize = b.batch.id > 0 ? (await chain.storedHead(b.chain.contract, b.batch.id - 1))!.count : 0;
  const same =
    stored.root === b.batch.root &&
    stored.prevRoot === b.batch.prevRoot &&
    stored.count === b.batch.treeSize &&
    stored.count - prevSize === b.batch.count &&
    stored.start === b.batch.start &&
    stored.end === b.batch.end;
  add(
    'contract',
    same,
    `contract ${b.chain.contract} holds for batch ${b.batch.id}: root ${stored.root}, prevRoot ${stored.prevRoot}, tree size ${stored.count} (${stored.count - prevSize} added), window [${stored.start}, ${stored.end})`,
  );
  if (b.consistency) {
    const l = await chain.storedHead(b.chain.contract, b.consistency.batchId);
    const ok = !!l && l.root === b.consistency.root && l.count === b.consistency.treeSize && l.anchoredAtBlock > 0;
    add('consistency', ok, ok ? `the later head (batch ${b.consistency.batchId}, ${b.consistency.treeSize} leaves) is the one on chain` : `the chain does not hold the later head of batch ${b.consistency.batchId} that the bundle names`);
  }
  if (b.keyEvent) {
    const k = b.keyEvent.batch;
    const head = await headOnChain(chain, b.chain.contract, k.id);
    const ok = !!head && head.block > 0 && head.root === k.root && head.prevRoot === k.prevRoot && head.treeSize === k.treeSize && head.count === k.count && head.start === k.start && head.end === k.end;
    add(
      'keyEvent',
      ok,
      ok
        ? `the key event's head (batch ${k.id}, ${k.treeSize} leaves) is the one the contract holds`
        : `the contract does not hold the head of batch ${k.id} that the key event's proof names: the device key does not come from an anchored key event`,
    );
  }

  const tx = await chain.anchorTx(b.chain.txHash, b.chain.contract, b.batch.id);
  const block = tx ? await chain.block(tx.blockHash) : null;
  const pinned = !!tx && tx.blockHash === b.chain.blockHash && block?.timestamp === b.chain.blockTimestamp;
  const ok = !!tx && tx.status === 1 && tx.blockNumber === b.chain.blockNumber && pinned && stored.block === b.chain.blockNumber && tx.anchoredRoot !== null && tx.anchoredRoot === b.batch.root;
  if (ok) {
    const depth = (await chain.blockNumber()) - tx.blockNumber + 1;
    add('transaction', true, `tx ${b.chain.txHash} in block ${tx.blockNumber} (${b.chain.blockHash}, ${isoSeconds(b.chain.blockTimestamp)}, ${depth} confirmations) emitted Anchored(${b.batch.id})`);
    return;
  }
  add('transaction', false, await whyNotPinned(b, chain, tx ? { blockNumber: tx.blockNumber, blockHash: tx.blockHash, timestamp: block?.timestamp ?? null } : null, stored.block));
}

const isoSeconds = (s: number) => new Date(s * 1000).toISOString();

/**
 * The bundle's anchoring is not on the chain as pinned. When the contract holds the batch in
 * another block, the chain was re-created (or reorganised) and the batch anchored again: say so,
 * and when (that block's time), since a re-created chain can repeat transaction hashes and block
 * numbers but not block hashes.
 */
async function whyNotPinned(
  b: ProofBundle,
  chain: ChainVerifier,
  mined: { blockNumber: number; blockHash: string; timestamp: number | null } | null,
  contractBlock: number,
): Promise<string> {
  const pinned = `block ${b.chain.blockNumber} (${b.chain.blockHash}, ${isoSeconds(b.chain.blockTimestamp)})`;
  if (mined && mined.blockHash !== b.chain.blockHash) {
    return `tx ${b.chain.txHash} is now in block ${mined.blockNumber} (${mined.blockHash}${mined.timestamp !== null ? `, ${isoSeconds(mined.timestamp)}` : ''}), not in the bundle's ${pinned}: the chain was re-created or reorganised and the batch RE-ANCHORED${mined.timestamp !== null ? ` at ${isoSeconds(mined.timestamp)}` : ''}`;
  }
  if (mined && mined.timestamp !== b.chain.blockTimestamp) return `tx ${b.chain.txHash} is in block ${mined.blockHash} dated ${mined.timestamp}, the bundle says ${b.chain.blockTimestamp}`;
  if (!mined && contractBlock > 0) {
    const now = await chain.block(contractBlock);
    return `tx ${b.chain.txHash} is not on this chain, but the contract holds batch ${b.batch.id} from block ${contractBlock}${now ? ` (${now.hash}, ${isoSeconds(now.timestamp)})` : ''}: the batch was RE-ANCHORED${now ? ` at ${isoSeconds(now.timestamp)}` : ''}; the bundle's ${pinned} is gone`;
  }
  if (!mined) return `tx ${b.chain.txHash} not found`;
  return `tx ${b.chain.txHash} in block ${mined.blockNumber} does not match the bundle's ${pinned} and Anchored(${b.batch.id}, ${b.batch.root})`;
}
