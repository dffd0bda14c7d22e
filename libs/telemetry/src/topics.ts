/**
 * MQTT topic scheme, versioned so that a v2 can run beside v1.
 *
 *   gp/v1/devices/{id}/telemetry  device → broker   signed telemetry messages (QoS 1)
 *   gp/v1/devices/{id}/status     device → broker   "online" (retained) / "offline" (last will)
 *   gp/v1/devices/{id}/errors     broker → device   why a message was rejected (JSON)
 *   gp/v1/devices/{id}/commands   broker → device   commands for the device
 *   gp/v1/sites/{site}/alerts     broker → crews    alert notifications for crew apps
 *
 * A device may publish only to its own telemetry and status topics and subscribe only to its
 * own errors and commands topics.
 */
export const TOPIC_ROOT = 'gp/v1';

export const DEVICE_CHANNELS = ['telemetry', 'status', 'errors', 'commands'] as const;
export type DeviceChannel = (typeof DEVICE_CHANNELS)[number];

/** Channels a device may publish to / subscribe to on its own topic. */
export const DEVICE_PUBLISH_CHANNELS: readonly DeviceChannel[] = ['telemetry', 'status'];
export const DEVICE_SUBSCRIBE_CHANNELS: readonly DeviceChannel[] = ['errors', 'commands'];

export const topics = {
  device: (deviceId: string, channel: DeviceChannel) => `${TOPIC_ROOT}/devices/${deviceId}/${channel}`,
  telemetry: (deviceId: string) => `${TOPIC_ROOT}/devices/${deviceId}/telemetry`,
  status: (deviceId: string) => `${TOPIC_ROOT}/devices/${deviceId}/status`,
  errors: (deviceId: string) => `${TOPIC_ROOT}/devices/${deviceId}/errors`,
  commands: (deviceId: string) => `${TOPIC_ROOT}/devices/${deviceId}/commands`,
  siteAlerts: (siteId: string) => `${TOPIC_ROOT}/sites/${siteId}/alerts`,
};

export interface ParsedDeviceTopic {
  deviceId: string;
  channel: DeviceChannel;
}

/** Parses `gp/v1/devices/{id}/{channel}`; anything else (wildcards included) is null. */
export function parseDeviceTopic(topic: string): ParsedDeviceTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== 'gp' || parts[1] !== 'v1' || parts[2] !== 'devices') return null;
  const [, , , deviceId, channel] = parts;
  if (!DEVICE_ID_PATTERN.test(deviceId)) return null;
  if (!(DEVICE_CHANNELS as readonly string[]).includes(channel)) return null;
  return { deviceId, channel: channel as DeviceChannel };
}

/** Device ids are safe in topics, InfluxDB tags, URLs and file names. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
