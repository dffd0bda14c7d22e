import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** The journal's first line: what the chain is, so a different configuration never replays it. */
export interface ChainJournalHeader {
  format: typeof CHAIN_JOURNAL_FORMAT;
  chainId: number;
  /** The anchoring account (lowercase 0x address): its key funds the genesis block. */
  account: string;
  hardfork: string;
  /** Genesis block timestamp, Unix seconds: the genesis hash depends on it. */
  genesisTime: number;
  genesisHash: string;
}

/** One mined block: enough to mine it again, and its hash to prove the replay is the same block. */
export interface JournaledBlock {
  number: number;
  /** Unix seconds, the block header's timestamp. */
  timestamp: number;
  hash: string;
  /** The block's transactions, signed and serialised (what eth_sendRawTransaction takes), in block order. */
  txs: string[];
}

export const CHAIN_JOURNAL_FORMAT = 'gridproof-chain-journal/1';

/** The journal cannot be used (unreadable, another chain's, or it no longer replays). */
export class ChainJournalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChainJournalError';
  }
}

/**
 * The embedded chain's durable history: a JSON-lines file, a header then one line per mined
 * block, appended and fsynced before the transaction that mined the block is acknowledged. A
 * SIGKILL can only cut the last line short; that line was never acknowledged, so it is dropped
 * (and the file truncated to the last whole line) when the journal is opened again.
 */
export class ChainJournal {
  private constructor(
    readonly path: string,
    private fd: number,
    readonly header: ChainJournalHeader,
    private last: number,
    /** Bytes of a torn last line that opening dropped (0 normally). */
    readonly droppedBytes: number,
  ) {}

  /**
   * Opens the journal at `path` (null when there is none yet) with the blocks to replay. The
   * blocks are not kept: a year of one-minute batches is ≈ 500,000 lines.
   */
  static open(path: string): { journal: ChainJournal; blocks: JournaledBlock[] } | null {
    if (!existsSync(path)) return null;
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n');
    // Everything after the last newline is a line the process died while writing.
    const torn = lines.pop() ?? '';
    if (!lines.length) {
      throw new ChainJournalError(`the chain journal ${path} has no complete header line: move it aside to start an empty chain`);
    }
    let header: ChainJournalHeader;
    try {
      header = JSON.parse(lines[0]) as ChainJournalHeader;
    } catch {
      throw new ChainJournalError(`the chain journal ${path} does not start with a header line`);
    }
    if (header.format !== CHAIN_JOURNAL_FORMAT) throw new ChainJournalError(`the chain journal ${path} has format ${String(header.format)}, expected ${CHAIN_JOURNAL_FORMAT}`);
    const blocks = lines.slice(1).map((line, i) => {
      try {
        return JSON.parse(line) as JournaledBlock;
      } catch {
        // Only the last line can be torn, and a torn line has no newline after it.
        throw new ChainJournalError(`the chain journal ${path} line ${i + 2} is not JSON: the file was edited or damaged`);
      }
    });
    // Append mode: every write lands at the end, whatever the file position.
    const fd = openSync(path, 'a');
    if (torn.length) {
      ftruncateSync(fd, Buffer.byteLength(text) - Buffer.byteLength(torn));
      fsyncSync(fd);
    }
    blocks.forEach((b, i) => {
      if (b.number !== i + 1) throw new ChainJournalError(`the chain journal ${path} line ${i + 2} holds block ${b.number}, expected ${i + 1}`);
    });
    return { journal: new ChainJournal(path, fd, header, blocks.length, Buffer.byteLength(torn)), blocks };
  }

  /** Creates a journal holding only its header (the directory too). */
  static create(path: string, header: ChainJournalHeader): ChainJournal {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, 'ax');
    writeSync(fd, `${JSON.stringify(header)}\n`);
    fsyncSync(fd);
    // The new directory entry must survive a crash too.
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    return new ChainJournal(path, fd, header, 0, 0);
  }

  /** The newest journaled block number (0: only genesis). */
  get lastBlock(): number {
    return this.last;
  }

  /** Appends blocks and fsyncs: when this returns they survive a crash. */
  append(blocks: readonly JournaledBlock[]): void {
    if (!blocks.length) return;
    for (const b of blocks) {
      if (b.number !== this.lastBlock + 1) throw new ChainJournalError(`block ${b.number} does not follow block ${this.lastBlock} in ${this.path}`);
      writeSync(this.fd, `${JSON.stringify(b)}\n`, null, 'utf8');
      this.last = b.number;
    }
    fsyncSync(this.fd);
  }

  sizeBytes(): number {
    return fstatSync(this.fd).size;
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}
