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
  influxdRestarts: 'gridproof_influxd_restarts_total', // the local influxd GridProof supervises died and was restarted
  spoolTorn: 'gridproof_spool_torn_bytes_total', // torn/corrupt spool tails skipped at replay (never acknowledged data)
  ingestDeadLetter: 'gridproof_ingest_dead_letter_total', // points InfluxDB refused for good, kept in <spool>/dead-letter
  mqttConnections: 'gridproof_mqtt_connections',
  mqttAuthFailures: 'gridproof_mqtt_auth_failures_total', // label: reason (LoginFailure and AuthFailure reasons, and directory_unavailable)
  mqttLoginFailures: 'gridproof_mqtt_login_failures_total', // label: address (source IP; the first 100 by name, then "other")
  devicesOnline: 'gridproof_devices_online',
  mqttSinkFailures: 'gridproof_mqtt_sink_failures_total', // telemetry the sink threw on: not acked, client dropped
  mqttClientErrors: 'gridproof_mqtt_client_errors_total', // label: reason (packet_too_large, protocol, connect_timeout, timeout, socket, bad_status, slow_consumer)
  mqttErrorRepliesDropped: 'gridproof_mqtt_error_replies_dropped_total', // label: reason (not_draining, rate_limited, write_failed): answers on a device's errors topic not sent
  alertsOpen: 'gridproof_alerts_open', // labels: severity, state (firing | acknowledged)
  alertTransitions: 'gridproof_alert_transitions_total', // labels: state (firing, updated, acknowledged, resolved), source
  alertNotifications: 'gridproof_alert_notifications_total', // labels: receiver, integration, status (ok, failed, gave_up, dropped)
  alertDeliverySeconds: 'gridproof_alert_delivery_seconds', // labels: receiver, integration
  alertErrors: 'gridproof_alert_errors_total', // label: what (persist, annotation, delivery_log, ...)
  detectScored: 'gridproof_detect_scored_total', // label: detector (generic, autoencoder)
  detectDropped: 'gridproof_detect_dropped_total', // not scored: queue full (oldest dropped) or lost with a dead detection thread (ingest unaffected)
  detectAnomalies: 'gridproof_detect_anomalies_total', // label: detector
  detectErrors: 'gridproof_detect_errors_total', // label: what (influx, sql, model, rules, thread)
  detectQueue: 'gridproof_detect_queue',
  detectStreams: 'gridproof_detect_streams', // generic-detector streams in memory (bound: GP_DETECT_MAX_STREAMS)
  detectStreamsEvicted: 'gridproof_detect_streams_evicted_total', // streams forgotten at the bound: they start over (warm-up) on their next reading
  anchorLastBatch: 'gridproof_anchor_last_anchored_batch', // id of the newest batch anchored on chain (-1: none)
  anchorLag: 'gridproof_anchor_lag_seconds', // now minus the end of the newest anchored window
  anchorBacklog: 'gridproof_anchor_backlog_batches', // sealed batches waiting for the chain
  anchorChainUp: 'gridproof_anchor_chain_up', // 1 when the last chain call succeeded
  anchorTransactions: 'gridproof_anchor_transactions_total', // label: kind (sent, resubmitted)
  anchorLateRecords: 'gridproof_anchor_late_records_total', // accepted with an rx in an already sealed window
  anchorErrors: 'gridproof_anchor_errors_total', // label: what (seal, chain, rejected, dead_letter, check)
  anchorReanchored: 'gridproof_anchor_reanchored_batches', // batch anchorings the chain lost and that were anchored again (all time)
  anchorStoreMismatches: 'gridproof_anchor_store_mismatch_batches', // anchored batches whose SQL record differs from the chain (start-up check)
  grafanaFeedErrors: 'gridproof_grafana_feed_errors_total', // label: feed (sites, alerts_open, device_status)
  httpIngestRequests: 'gridproof_http_ingest_requests_total', // label: outcome (accepted, a rejection reason, unauthorized, throttled, retry_later): telemetry POSTed over HTTPS
  apiRejected: 'gridproof_api_rejected_requests_total', // labels: kind (invalid_input, not_found, conflict, unavailable), route (the route template)
} as const;
