import type { Labels, Severity } from './labels';
import type { Matcher } from './matchers';
import type { Recurrence } from './recurrence';

export type AlertState = 'firing' | 'acknowledged' | 'resolved';
export type AlertSource = 'anomaly' | 'threshold' | 'offline' | 'tampering' | 'security';

/** What made the alert fire: enough for a crew to judge it without opening Grafana. */
export interface Evidence {
  detector?: string;
  modelVersion?: string;
  score?: number;
  threshold?: number;
  metrics?: Array<{ name: string; value: number | string; contribution?: number }>;
  rule?: string;
  condition?: string;
  /** Device timestamp (ms) of the reading or event the evidence comes from. */
  observedAt?: number;
  count?: number;
  reasons?: Record<string, number>;
  cause?: string;
  lastSeenAt?: number;
  [key: string]: unknown;
}

export interface AlertLinks {
  dashboard?: string;
  /** The alert in the crew console (`/#/alerts/<id>`); alerts raised before the console have none. */
  console?: string;
  /** The alert's JSON (needs an API key in the Authorization header, so a browser gets 401). */
  api: string;
}

/**
 * One alert instance. A fingerprint names the problem (same problem on the same device); an id
 * names one instance of it: re-firing after a resolve creates a new instance with a new id.
 */
export interface Alert {
  id: string;
  fingerprint: string;
  source: AlertSource;
  state: AlertState;
  severity: Severity;
  labels: Labels;
  summary: string;
  description: string;
  evidence: Evidence;
  timeToFailureMs: number | null;
  recommendedAction: string;
  links: AlertLinks;
  startsAt: number;
  updatedAt: number;
  endsAt: number | null;
  acknowledgedBy: string | null;
  acknowledgedAt: number | null;
  ackNote: string | null;
  resolvedBy: string | null;
  resolveNote: string | null;
}

/** A source's claim that a problem is present now. The engine dedupes by fingerprint. */
export interface Signal {
  source: AlertSource;
  labels: Labels;
  severity: Severity;
  summary: string;
  description: string;
  evidence: Evidence;
  timeToFailureMs?: number;
  /** Resolve by itself after this long without a new signal; undefined: only clear() resolves. */
  expiresAfterMs?: number;
}

export type AlertEventType = 'firing' | 'updated' | 'acknowledged' | 'resolved';

export interface AlertHistoryEntry {
  alertId: string;
  type: AlertEventType;
  actor: string;
  note: string | null;
  severity: Severity;
  at: number;
}

export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  /** Recurring maintenance window: muted only while one of these is open (within startsAt..endsAt). */
  recurrence: Recurrence[] | null;
  createdAt: number;
}

export type DeliveryStatus = 'ok' | 'failed' | 'gave_up' | 'dropped';

export interface DeliveryRecord {
  notificationId: string;
  alertId: string;
  receiver: string;
  integration: string;
  attempt: number;
  status: DeliveryStatus;
  error: string | null;
  durationMs: number;
  at: number;
}

/** What the dispatcher hands to receivers: one group's alerts at one flush. */
export interface Notification {
  id: string;
  receiver: string;
  groupKey: string;
  status: 'firing' | 'resolved';
  groupLabels: Labels;
  commonLabels: Labels;
  alerts: Alert[];
  at: number;
}
