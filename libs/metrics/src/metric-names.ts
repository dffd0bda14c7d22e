/**
 * Every Prometheus metric GridProof exposes on /api/metrics, named in one place.
 * Add new ones here; prefix gridproof_.
 */
export const METRIC = {
  ingestAccepted: 'gridproof_ingest_accepted_total',
  ingestRejected: 'gridproof_ingest_rejected_total', // label: reason
  ingestDuplicates: 'gridproof_ingest_duplicates_total',
  ingestWriteLatency: 'gridproof_ingest_write_seconds',
  spoolBytes: 'gridproof_spool_bytes',
  spoolRecords: 'gridproof_spool_records',
  spoolFull: 'gridproof_spool_full', // 1 while publishers are pushed back
  influxUp: 'gridproof_influx_up',
  mqttConnections: 'gridproof_mqtt_connections',
  mqttAuthFailures: 'gridproof_mqtt_auth_failures_total', // label: reason (AuthFailure reasons, client_id_mismatch, directory_unavailable)
  devicesOnline: 'gridproof_devices_online',
  mqttSinkFailures: 'gridproof_mqtt_sink_failures_total', // telemetry the sink threw on: not acked, client dropped
  mqttClientErrors: 'gridproof_mqtt_client_errors_total', // label: reason (packet_too_large, protocol, timeout, socket, bad_status)
  alertsOpen: 'gridproof_alerts_open', // labels: severity, state (firing | acknowledged)
  alertTransitions: 'gridproof_alert_transitions_total', // labels: state (firing, updated, acknowledged, resolved), source
  alertNotifications: 'gridproof_alert_notifications_total', // labels: receiver, integration, status (ok, failed, gave_up, dropped)
  alertDeliverySeconds: 'gridproof_alert_delivery_seconds', // labels: receiver, integration
  alertErrors: 'gridproof_alert_errors_total', // label: what (persist, annotation, delivery_log, ...)
} as const;
