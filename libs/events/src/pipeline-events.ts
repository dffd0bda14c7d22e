import { EventEmitter } from 'node:events';
import type { DeviceType, Family, IngestRecord, RejectionReason } from '@gridproof/telemetry';

/**
 * The in-process bus between pipeline stages: ingest → detect → alerts, ingest → anchor.
 * Listeners run synchronously on the ingest path, so they must be cheap and never throw:
 * queue the work and return. A listener that throws is logged and counted, never propagated.
 */
export interface DeviceRef {
  id: string;
  type: DeviceType;
  family: Family;
  site: string;
}

/** A reading that is durable (in InfluxDB or the spool); emitted in ingest order. */
export interface AcceptedReading {
  device: DeviceRef;
  record: IngestRecord;
  /**
   * RFC 6962 leaf hash of the record's bytes, set where the record was committed to the log's
   * journal (docs/anchoring.md §3): anchoring uses it rather than hashing the record again.
   */
  leaf?: Buffer;
}

/**
 * An accepted reading that InfluxDB then refused for good (HTTP 400: field type conflict, point
 * outside the retention policy...). It is kept in <spool>/dead-letter/, not in InfluxDB, so
 * anchoring must not wait for it, and must say that it is missing (docs/anchoring.md).
 * A refusal can be partial: InfluxDB may have stored some points of the refused write.
 */
export interface DeadLetteredReading {
  device: string;
  seq: number;
  /** Device time (ms). */
  ts: number;
  /** Receive time (ms): the anchoring window it was counted into. */
  rx: number;
}

export interface RejectedMessage {
  deviceId: string;
  reason: RejectionReason;
  detail: string;
  at: number;
}

export interface DeviceConnectivity {
  device: DeviceRef;
  online: boolean;
  at: number;
  /**
   * 'will' when the broker published the device's last will (unclean loss); 'shutdown' when
   * GridProof itself is stopping and ends the session, which says nothing about the device.
   */
  cause: 'connect' | 'disconnect' | 'will' | 'status' | 'shutdown';
}

/**
 * Why the broker refused a publish or a subscription of an authenticated device: evidence
 * about that device, since only it holds the session (the tampering alert counts these).
 */
export const AUTH_FAILURE_REASONS = ['topic_denied', 'subscribe_denied'] as const;
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

export interface AuthFailure {
  /** The authenticated device. */
  deviceId: string;
  reason: AuthFailureReason;
  at: number;
}

/**
 * Why the broker refused a login. client_id_mismatch and will_denied are refused before the
 * password is checked; throttled (too many failures from the address or for the device id)
 * and login_timeout (not decided within the CONNECT timeout) are the broker's own refusals.
 */
export const LOGIN_FAILURE_REASONS = ['bad_credentials', 'unknown_device', 'disabled', 'client_id_mismatch', 'will_denied', 'throttled', 'login_timeout'] as const;
export type LoginFailureReason = (typeof LOGIN_FAILURE_REASONS)[number];

/**
 * A refused login. Nothing about it is proven: anyone can claim any device id, so it is
 * evidence about the source address, never about the claimed device (issue #13, finding 3).
 */
export interface LoginFailure {
  /** Source IP address of the connection ('unknown' when the transport does not say). */
  address: string;
  /** The user name the client sent, as sent (may be anything; escape before logging). */
  claimedId: string;
  reason: LoginFailureReason;
  at: number;
}

export interface AnomalyEvent {
  device: DeviceRef;
  /** Device timestamp (ms) of the reading that crossed the threshold. */
  ts: number;
  score: number;
  threshold: number;
  /** 'generic' (online, per metric), 'multivariate' (a device's metrics together), 'autoencoder', or 'maintenance' (predictive). */
  detector: 'generic' | 'multivariate' | 'autoencoder' | 'maintenance';
  modelVersion: string;
  /** Metrics that drive the score, most important first, with their values. */
  metrics: Array<{ name: string; value: number | string; contribution: number }>;
  /** Fault kind when the model names one (e.g. 'inverter_fan', 'connector_wear'; 'correlation' or 'subspace' for multivariate). */
  kind?: string;
  /** For maintenance predictions: estimated ms until failure. */
  timeToFailureMs?: number;
}

export interface PipelineEventMap {
  accepted: [AcceptedReading[]];
  deadLettered: [DeadLetteredReading[]];
  rejected: [RejectedMessage];
  connectivity: [DeviceConnectivity];
  authFailure: [AuthFailure];
  loginFailure: [LoginFailure];
  anomaly: [AnomalyEvent];
}

export class PipelineEvents {
  private readonly emitter = new EventEmitter({ captureRejections: false });
  listenerErrors = 0;

  constructor(private readonly onListenerError: (event: string, err: unknown) => void = () => undefined) {
    this.emitter.setMaxListeners(50);
  }

  on<K extends keyof PipelineEventMap>(event: K, listener: (...args: PipelineEventMap[K]) => void): () => void {
    const safe = (...args: PipelineEventMap[K]) => {
      try {
        listener(...args);
      } catch (err) {
        this.listenerErrors++;
        this.onListenerError(event, err);
      }
    };
    this.emitter.on(event, safe as (...a: unknown[]) => void);
    return () => this.emitter.off(event, safe as (...a: unknown[]) => void);
  }

  emit<K extends keyof PipelineEventMap>(event: K, ...args: PipelineEventMap[K]): void {
    this.emitter.emit(event, ...args);
  }
}
