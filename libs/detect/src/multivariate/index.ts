export { StreamingPca, SubspaceEvidence, StreamingPcaOptions } from './streaming-pca';
export { EntityScorer, RowScore, MetricScore, RowEvidence, DEFAULT_ALARM_SCORE } from './entity-scorer';
export { wilsonHilferty } from './chi-square';
