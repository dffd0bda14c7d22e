import type { DeadLetteredReading } from '@gridproof/events';
import { readTelemetryLineKey } from '@gridproof/influx';

/**
 * The identities (device, seq, device ts, rx) of the telemetry points in a line-protocol body
 * that InfluxDB refused for good. telemetryLine() writes `... ,seq=<n>i,rx=<n>i[,sig="..."] <ts>`:
 * rx and ts are read from the end of the line, where no string field can reach.
 */
export function deadLetteredReadings(body: string): DeadLetteredReading[] {
  const out: DeadLetteredReading[] = [];
  for (const line of body.split('\n')) {
    const key = readTelemetryLineKey(line);
    if (!key) continue;
    const tail = /,rx=(\d+)i(?:,sig="[A-Za-z0-9+/=]*")? (-?\d+)$/.exec(line);
    if (!tail) continue;
    out.push({ device: key.device, seq: key.seq, ts: Number(tail[2]), rx: Number(tail[1]) });
  }
  return out;
}
