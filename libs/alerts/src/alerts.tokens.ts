/** The compiled alert routing config (AlertsConfig). */
export const ALERTS_CONFIG = 'GP_ALERTS_CONFIG';
/** Optional `(topic, payload) => Promise<void>` publishing through the MQTT broker (mqtt_configs). */
export const ALERTS_MQTT_PUBLISH = 'GP_ALERTS_MQTT_PUBLISH';
/** Optional Clock (tests). */
export const ALERTS_CLOCK = 'GP_ALERTS_CLOCK';
