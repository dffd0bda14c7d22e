export { StreamingPca, SubspaceEvidence, StreamingPcaOptions, PCA_WINDOW_MS } from './streaming-pca';
export { WindowMoments } from './window-moments';
export { EntityScorer, EntityRowScore, MetricScore, RowEvidence, DEFAULT_ALARM_SCORE, Fusion, fuseRow, DEFAULT_FUSION } from './entity-scorer';
export { FusedRowScorer, FusedRowScore, FusedMetricEvidence } from './fused-row-scorer';
export { wilsonHilferty } from './chi-square';
export { DeviceSubspaceScorer, DeviceSubspaceScore, modelledMetrics, SERVICE_PCA } from './device-subspace-scorer';
