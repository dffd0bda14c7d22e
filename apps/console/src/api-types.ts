/**
 * The API's shapes the console reads. Alert and silence types come from libs/alerts itself, so
 * a change there breaks `npm run check` here instead of the console at run time.
 */
import type { Alert, AlertHistoryEntry, DeliveryRecord, Silence } from '../../../libs/alerts/src/model/alert';

export type { Alert, Silence };

export interface AlertView extends Alert {
  mutedBy: string | null;
}

export interface AlertDetail extends AlertView {
  history: AlertHistoryEntry[];
  deliveries: DeliveryRecord[];
}

/** GET /api/me */
export interface Me {
  name: string;
  role: 'admin' | 'operator' | 'crew' | 'auditor';
  sites: string[] | null;
}

export interface Device {
  id: string;
  type: string;
  family: string;
  name: string | null;
  site: { id: string; name: string; lat: number; lon: number };
  state: 'active' | 'disabled';
  lastSeenAt: string | null;
}

export interface TelemetryPoint {
  ts: number;
  seq: number;
  readings: Record<string, number | string>;
}

export interface DeviceTelemetry {
  device: string;
  from: number;
  to: number;
  points: TelemetryPoint[];
}

export interface ScorePoint {
  ts: number;
  detector: string;
  score: number;
  threshold: number;
}

export interface AnchorStatus {
  running: boolean;
  sealedUpTo: number;
  lastSealed: { id: number; start: number; end: number; count: number } | null;
  lastAnchored: { id: number; end: number; txHash: string; blockNumber: number } | null;
  backlog: number;
  lagMs: number;
  deadLettered: number;
  chain: { kind: 'embedded' | 'rpc'; chainId: number | null; contract: string | null; reachable: boolean; lastError: string | null };
}

export interface Health {
  status: 'up' | 'degraded' | 'down';
  components: Record<string, { status: string; detail?: string }>;
}

export interface AuditSummary {
  from: number;
  to: number;
  verified: number;
  failed: number;
  records: number;
  batches: Array<{ batchId?: number; verified?: boolean; altered?: unknown[]; missing?: unknown[]; injected?: unknown[] }>;
  durationMs: number;
}
