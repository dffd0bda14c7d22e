export * from './alerts.module';
export * from './alerts.service';
export * from './alerts.tokens';
export { loadAlertsConfig, compileAlertsConfig, AlertsConfigError } from './config/alerts-config';
export type { AlertsConfig } from './config/alerts-config';
export type { AlertPublisher } from './delivery/channels';
export type { Alert, AlertState, Notification, Silence, DeliveryRecord } from './model/alert';
export { RECOMMENDED_ACTIONS } from './model/recommended-actions';
export { ALERTS_MIGRATIONS } from './storage/alerts.migrations';
