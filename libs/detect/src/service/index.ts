export * from './detect.module';
export { DETECT_HISTORY, TelemetryHistory, WarmStartOptions, readingsToReplay } from './warm-start';
export * from './detection.service';
export * from './detect.migrations';
export * from './anomaly.repository';
export * from './anomaly-writer';
export { DetectionEngine, DetectionThresholds, DEFAULT_THRESHOLDS, ScoringInput, SliceOutcome } from './detection-engine';
