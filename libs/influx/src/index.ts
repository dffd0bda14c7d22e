// Public face of @gridproof/influx. The only InfluxDB client: store, record reader, line builders and readers, influxd launcher.
// Only what other libs and apps use; anything else stays internal (eslint forbids deep imports).
export { alertRowLines, deviceStatusLines, nameplateLines, openAlertLines, siteLines } from './feed-lines';
export type { AlertRow, DeviceStatusPoint, SitePoint } from './feed-lines';
export { InfluxRecordReader } from './influx-record-reader';
export type { RecordSource } from './influx-record-reader';
export { InfluxTelemetryStore, rollupBackfillQuery } from './influx-telemetry-store';
export type { InfluxConnection, LineSink, RecentReading, ScorePoint, TelemetryPoint, WriteOptions } from './influx-telemetry-store';
export { InfluxdSupervisor } from './influxd-supervisor';
export { escapeTag, pointLine, quoteString, readTelemetryLineKey, telemetryLine } from './line-protocol';
export { ensureInfluxdInstalled } from './local-influxd';
export { anchorBatchLine, auditResultLine } from './pipeline-lines';
export { MEASUREMENTS, META_RETENTION_POLICY } from './schema';
export { readTypeSeries } from './type-series';
