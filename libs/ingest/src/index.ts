// Public face of @gridproof/ingest. Ingest: the module, the pipeline, and the TelemetrySink port the broker feeds.
// Only what other libs and apps use; anything else stays internal (eslint forbids deep imports).
export { IngestPipeline } from './ingest-pipeline';
export { IngestModule } from './ingest.module';
export { payloadSeq } from './payload-seq';
export { Spool } from './spool/spool';
export { TELEMETRY_SINK } from './telemetry-sink';
export type { IngestOutcome, TelemetrySink } from './telemetry-sink';
export { TokenBuckets } from './token-buckets';
