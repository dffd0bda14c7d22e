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
  | { accepted: false; reason: RejectionReason; detail: string };

export interface TelemetrySink {
  submit(device: RegisteredDevice, payload: Buffer, receivedAt: number): Promise<IngestOutcome>;
}
