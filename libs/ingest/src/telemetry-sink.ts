import type { IngestRecord, RejectionReason } from '@gridproof/telemetry';
import type { RegisteredDevice } from '@gridproof/registry';

/**
 * The port between the broker and the ingest pipeline. The broker hands every telemetry
 * payload to submit() and sends the QoS 1 PUBACK only once the promise settles:
 *  - accepted: the reading is durable (written to InfluxDB, or appended and flushed to the
 *    local spool);
 *  - rejected: the payload can never be accepted; the broker tells the device why on its
 *    errors topic.
 * While the spool is full the promise stays pending: that is the back-pressure on publishers.
 */
export type IngestOutcome =
  | { accepted: true; record: IngestRecord; duplicate?: false }
  | {
      accepted: false;
      reason: RejectionReason;
      detail: string;
      /** The message's seq when the payload names one (a safe integer), so the device can match the error to its message. */
      seq?: number;
    };

/**
 * Injection token of the TelemetrySink. It lives here, beside the port and its implementation
 * (IngestPipeline, bound by IngestModule); the broker imports it from ingest, never the reverse.
 */
export const TELEMETRY_SINK = 'GP_TELEMETRY_SINK';

export interface TelemetrySink {
  submit(device: RegisteredDevice, payload: Buffer, receivedAt: number): Promise<IngestOutcome>;
}
