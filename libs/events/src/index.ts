// Public face of @gridproof/events. The in-process bus between stages and its event shapes.
// Only what other libs and apps use; anything else stays internal (eslint forbids deep imports).
export { AUTH_FAILURE_REASONS, PipelineEvents } from './pipeline-events';
export type { AcceptedReading, AnomalyEvent, AuthFailureReason, DeadLetteredReading, DeviceConnectivity, DeviceRef, LoginFailure, LoginFailureReason, PipelineEventMap, RejectedMessage } from './pipeline-events';
