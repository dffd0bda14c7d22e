/**
 * What a crew should do, per fault kind. Kinds come from the detection models (AnomalyEvent.kind),
 * from threshold rules (their `kind`) and from the built-in sources (offline, site_offline,
 * tampering). Unknown kinds fall back to a generic inspection.
 */
export const RECOMMENDED_ACTIONS: Record<string, string> = {
  inverter_fan: 'Inspect and if needed replace the inverter cooling fan; clean the heat-sink and air inlets.',
  inverter_thermal: 'Inspect and if needed replace the inverter cooling fan; clean the heat-sink and check ventilation.',
  connector_wear: 'Inspect the connector pins and contacts for wear or discoloration; replace the connector.',
  connector_overtemp: 'Take the connector out of service; inspect pins and cable for heat damage; replace the connector.',
  battery_imbalance: 'Schedule cell balancing and a module check; look for a weak or failing module.',
  battery_degradation: 'Schedule a capacity test and module check; plan module replacement.',
  battery_overtemp: 'Check the battery cooling system and reduce charge/discharge power until inspected.',
  sensor_stuck: 'Check the sensor and its wiring; recalibrate or replace the sensor.',
  sensor_drift: 'Recalibrate the sensor against a reference; replace it if it keeps drifting.',
  meter_tamper: 'Inspect the meter seal and wiring for tampering.',
  offline: 'Check the device power supply and its network connectivity (modem, SIM, Wi-Fi, cabling).',
  site_offline: 'Check the site power and uplink (router, modem, feeder); all devices at the site went silent.',
  tampering: 'Check the device integrity on site (enclosure, seals, firmware) and rotate its credentials and signing key.',
  security: 'Refused MQTT logins: check the named source addresses (a misconfigured device, or someone guessing); block them at the firewall if they are not yours.',
  correlation:
    "The device's metrics no longer move together as they usually do, though each may look normal: check the metric named in the evidence against the others (a current without the power it should carry, a temperature that stopped following its load), then that sensor and its wiring; inspect the device if it persists.",
  subspace:
    "An unusual combination of the device's readings, each within its usual range: compare with its recent operation and with the other devices at the site; inspect the device if it persists.",
  anomaly:
    'Look at the metrics named in the evidence around the alert time: a spike or step in one metric often points to its sensor or wiring, a change in several to the device or its load. Inspect the device if it persists.',
};

export function recommendedActionFor(kind: string | undefined): string {
  return (kind && RECOMMENDED_ACTIONS[kind]) || RECOMMENDED_ACTIONS.anomaly;
}
