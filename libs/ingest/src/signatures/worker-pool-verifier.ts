import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ED25519_L_HEX, SMALL_ORDER_ENCODINGS_HEX } from '@gridproof/telemetry';
import type { SignatureVerifier } from './signature-verifier';

/**
 * The worker's whole program, plain JavaScript evaluated in the thread (no TypeScript loader
 * needed there, in tests or in production). It keeps its own KeyObject cache and answers a
 * batch of jobs with a batch of results; batching amortises the message-passing cost, which
 * is small next to an Ed25519 verify (≈100 µs).
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const keys = new Map();
// Canonical base64 only (same rule as decodeCanonicalBase64 in @gridproof/telemetry): the
// decoded bytes must re-encode to the identical text, so one signature has one spelling.
function canonical(text, byteLength) {
  if (typeof text !== 'string' || text.length !== 4 * Math.ceil(byteLength / 3)) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === byteLength && bytes.toString('base64') === text ? bytes : null;
}
// Strict Ed25519 (same rules as ed25519-strict in @gridproof/telemetry, whose constants are
// pasted in here): no small-order point as key or R, in any spelling; S below L; y below p.
const SMALL_ORDER = new Set(${JSON.stringify(SMALL_ORDER_ENCODINGS_HEX)});
const L = BigInt('0x' + Buffer.from('${ED25519_L_HEX}', 'hex').reverse().toString('hex'));
const P = 2n ** 255n - 19n;
function smallOrder(point) {
  const bytes = Buffer.from(point);
  bytes[31] &= 0x7f;
  return SMALL_ORDER.has(bytes.toString('hex'));
}
function littleEndian(bytes) {
  return BigInt('0x' + (Buffer.from(bytes).reverse().toString('hex') || '0'));
}
function strictKey(bytes) {
  return !smallOrder(bytes) && (littleEndian(bytes) & (2n ** 255n - 1n)) < P;
}
function strictSignature(sig) {
  return !smallOrder(sig.subarray(0, 32)) && (sig[63] < 0x10 || littleEndian(sig.subarray(32, 64)) < L);
}
function keyOf(raw) {
  let key = keys.get(raw);
  if (key === undefined) {
    try {
      const bytes = canonical(raw, 32);
      key = bytes && strictKey(bytes) ? createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: bytes.toString('base64url') }, format: 'jwk' }) : null;
    } catch { key = null; }
    if (keys.size >= 200000) keys.delete(keys.keys().next().value);
    keys.set(raw, key);
  }
  return key;
}
parentPort.on('message', (msg) => {
  const results = new Uint8Array(msg.jobs.length);
  for (let i = 0; i < msg.jobs.length; i++) {
    const [pub, data, sigB64] = msg.jobs[i];
    const key = keyOf(pub);
    const sig = canonical(sigB64, 64);
    let ok = false;
    if (key && sig && strictSignature(sig)) {
      try { ok = verify(null, Buffer.from(data.buffer, data.byteOffset, data.byteLength), key, sig); } catch { ok = false; }
    }
    results[i] = ok ? 1 : 0;
  }
  parentPort.postMessage({ id: msg.id, results });
});
`;

interface Job {
  publicKey: string;
  data: Buffer;
  signature: string;
  resolve: (ok: boolean) => void;
  reject: (err: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  busy: Map<number, Job[]>;
  load: number;
}

export interface WorkerPoolVerifierOptions {
  /** Threads; defaults to the machine's cores (issue 8: use both cores). */
  size?: number;
  /** Jobs per message to a worker. */
  maxBatch?: number;
}

/**
 * Ed25519 verification on worker threads. Jobs queued in the same tick are sent in batches to
 * the least-loaded worker, so verification spreads over every core while the main thread keeps
 * serving MQTT and writing to InfluxDB.
 */
export class WorkerPoolVerifier implements SignatureVerifier {
  private readonly workers: PoolWorker[] = [];
  private queue: Job[] = [];
  private scheduled = false;
  private nextId = 1;
  private closed = false;
  private readonly maxBatch: number;

  constructor(options: WorkerPoolVerifierOptions = {}) {
    const size = Math.max(1, options.size ?? availableParallelism());
    this.maxBatch = options.maxBatch ?? 256;
    for (let i = 0; i < size; i++) this.workers.push(this.spawn());
  }

  get size(): number {
    return this.workers.length;
  }

  verify(publicKey: string, data: Buffer, signature: string): Promise<boolean> {
    if (this.closed) return Promise.reject(new Error('the signature verifier is closed'));
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ publicKey, data, signature, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.dispatch());
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new Error('the signature verifier is closed');
    for (const job of this.queue.splice(0)) job.reject(err);
    await Promise.all(
      this.workers.map(async (w) => {
        for (const jobs of w.busy.values()) for (const job of jobs) job.reject(err);
        w.busy.clear();
        await w.worker.terminate();
      }),
    );
  }

  private dispatch(): void {
    this.scheduled = false;
    while (this.queue.length && !this.closed) {
      const jobs = this.queue.splice(0, this.maxBatch);
      const target = this.workers.reduce((a, b) => (b.load < a.load ? b : a));
      const id = this.nextId++;
      target.busy.set(id, jobs);
      target.load += jobs.length;
      target.worker.postMessage({ id, jobs: jobs.map((j) => [j.publicKey, ownBytes(j.data), j.signature]) });
    }
  }

  private spawn(): PoolWorker {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    const entry: PoolWorker = { worker, busy: new Map(), load: 0 };
    // Idle workers must not keep the process alive; busy ones are awaited by their callers.
    worker.unref();
    worker.on('message', (msg: { id: number; results: Uint8Array }) => {
      const jobs = entry.busy.get(msg.id);
      if (!jobs) return;
      entry.busy.delete(msg.id);
      entry.load -= jobs.length;
      jobs.forEach((job, i) => job.resolve(msg.results[i] === 1));
    });
    worker.on('error', (err) => this.replace(entry, err));
    worker.on('exit', (code) => {
      if (!this.closed) this.replace(entry, new Error(`signature worker exited with code ${code}`));
    });
    return entry;
  }

  /** A crashed worker fails only its own jobs (the broker does not ack them) and is replaced. */
  private replace(entry: PoolWorker, err: Error): void {
    const index = this.workers.indexOf(entry);
    if (index < 0 || this.closed) return;
    for (const jobs of entry.busy.values()) for (const job of jobs) job.reject(err);
    entry.busy.clear();
    this.workers[index] = this.spawn();
    void entry.worker.terminate().catch(() => undefined);
  }
}

/**
 * A copy with its own ArrayBuffer: structured clone copies a view's whole backing buffer, and
 * small Buffers share Node's 8 KiB pool.
 */
function ownBytes(data: Buffer): Uint8Array {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : new Uint8Array(data);
}
