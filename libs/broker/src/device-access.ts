import { DEVICE_PUBLISH_CHANNELS, DEVICE_SUBSCRIBE_CHANNELS, DeviceChannel, parseDeviceTopic } from '@gridproof/telemetry';

/**
 * Which topics a device may use: publish only to its own telemetry and status topics,
 * subscribe only to its own errors and commands topics. Exact topics only: a filter with a
 * wildcard never parses as a device topic, so '#', 'gp/v1/devices/+/errors' and the like are
 * refused. Pure functions, so the policy is tested without a broker.
 */
export function publishChannel(deviceId: string, topic: string): DeviceChannel | null {
  const parsed = parseDeviceTopic(topic);
  if (!parsed || parsed.deviceId !== deviceId || !DEVICE_PUBLISH_CHANNELS.includes(parsed.channel)) return null;
  return parsed.channel;
}

export function maySubscribe(deviceId: string, topicFilter: string): boolean {
  const parsed = parseDeviceTopic(topicFilter);
  return parsed !== null && parsed.deviceId === deviceId && DEVICE_SUBSCRIBE_CHANNELS.includes(parsed.channel);
}

/** The two payloads the status topic carries (retained). */
export const STATUS_ONLINE = 'online';
export const STATUS_OFFLINE = 'offline';
