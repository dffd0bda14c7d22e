import type { DeviceType } from '@gridproof/telemetry';
import { readTypeSeries, type InfluxTelemetryStore } from '@gridproof/influx';
import type { DeviceSeries } from './sim-export';

/** Reads one type's telemetry for [from, to) from InfluxDB through the adapter, grouped per device. */
export async function readInfluxSeries(influx: InfluxTelemetryStore, type: DeviceType, from: Date, to: Date): Promise<DeviceSeries[]> {
  return (await readTypeSeries(influx, type, from, to)).map((s) => ({ ...s, type }));
}
