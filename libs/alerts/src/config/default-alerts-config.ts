/**
 * Used when GP_ALERTS_CONFIG is unset, so `npm start` works out of the box: every alert goes to
 * the service log and to the site's MQTT topic (gp/v1/sites/{site}/alerts) for crew apps; a
 * site that went dark inhibits its devices' own alerts. config/alerts.example.yaml shows the
 * full set of receivers.
 */
export const DEFAULT_ALERTS_FILE = {
  route: {
    receiver: 'crew-default',
    group_by: ['site', 'alertname'],
    group_wait: '30s',
    group_interval: '5m',
    repeat_interval: '4h',
  },
  receivers: [{ name: 'crew-default', log_configs: [{}], mqtt_configs: [{}] }],
  inhibit_rules: [
    { source_matchers: ['alertname="SiteOffline"'], target_matchers: ['alertname!="SiteOffline"'], equal: ['site'] },
    { source_matchers: ['alertname="DeviceOffline"'], target_matchers: ['alertname!~"DeviceOffline|SiteOffline"'], equal: ['device'] },
  ],
  rules: [
    {
      name: 'ConnectorOverTemp',
      matchers: ['type="ev-charger"'],
      metric: 'connector_temp_c',
      op: '>',
      value: 90,
      for: '2m',
      severity: 'critical',
      kind: 'connector_overtemp',
      summary: 'Charger connector above 90 °C',
    },
    {
      name: 'InverterHeatsinkHot',
      matchers: ['type="pv-inverter"'],
      metric: 'heatsink_temp_c',
      op: '>',
      value: 85,
      for: '5m',
      severity: 'warning',
      kind: 'inverter_thermal',
      summary: 'Inverter heat-sink above 85 °C',
    },
    {
      name: 'BatteryHot',
      matchers: ['type="battery"'],
      metric: 'temp_c',
      op: '>',
      value: 55,
      for: '5m',
      severity: 'critical',
      kind: 'battery_overtemp',
      summary: 'Battery pack above 55 °C',
    },
  ],
};
