import type { ChainKindName } from '../chain/kinds';
import type { ReanchorEvent } from '../store/anchor.repository';

/** What /api/anchors/status and the gauges report. */
export interface AnchorStatus {
  running: boolean;
  /** End of the last sealed window: every rx below it is in a sealed batch. */
  sealedUpTo: number;
  lastSealed: { id: number; start: number; end: number; count: number } | null;
  lastAnchored: { id: number; end: number; txHash: string; blockNumber: number } | null;
  /** Sealed batches not yet on chain. */
  backlog: number;
  /** now − end of the newest anchored window (ms): how far the chain trails ingest. */
  lagMs: number;
  openWindows: number;
  lateRecords: number;
  /** Accepted readings InfluxDB refused for good, left out of their batches (since start). */
  deadLettered: number;
  /** Whether the chain still holds the history the store recorded (docs/anchoring.md). */
  history: {
    /** Batch anchorings the chain lost and that were anchored again, over all time. */
    reanchoredBatches: number;
    /** Re-anchoring events found by this process. */
    reanchorEvents: ReanchorEvent[];
    /** Anchored batches whose store record differs from the chain (found at start-up; ids: the first 100). */
    storeMismatches: { count: number; batches: number[] };
    /** The start-up comparison of the store with the chain, once done. */
    startupCheck: { batches: number; mismatches: number; durationMs: number } | null;
  };
  chain: {
    /** The chain kind (libs/anchor/src/chain/kinds). */
    kind: ChainKindName;
    chainId: number | null;
    contract: string | null;
    rpcUrl: string | null;
    reachable: boolean;
    lastError: string | null;
  };
}
