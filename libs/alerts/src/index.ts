// Public face of @gridproof/alerts. Alerts: the module and service, and the alert and silence shapes the CLI prints.
// Only what other libs and apps use; anything else stays internal (eslint forbids deep imports).
export { AlertsModule } from './alerts.module';
export { AlertsService } from './alerts.service';
export { loadAlertsConfig } from './config/alerts-config';
export type { Alert, Silence } from './model/alert';
