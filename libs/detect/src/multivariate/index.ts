export { StreamingPca, SubspaceEvidence, StreamingPcaOptions } from './streaming-pca';
export { EntityScorer, EntityRowScore, MetricScore, RowEvidence, DEFAULT_ALARM_SCORE } from './entity-scorer';
export { FusedRowScorer, FusedRowScore, FusedMetricEvidence } from './fused-row-scorer';
export { wilsonHilferty } from './chi-square';
