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

/** The MQTT user name of a crew app; its password is an API key (docs/crews.md). */
export const CREW_USERNAME = 'apikey';
/** Crew apps use client ids `crew:<anything>`: a ':' never occurs in a device id, so a crew app cannot take over a device's session [MQTT-3.1.4-2]. */
export const CREW_CLIENT_ID = /^crew:[\x21-\x7e]{1,59}$/;
/** API key roles that may follow site alerts over MQTT. */
export const CREW_ROLES: ReadonlyArray<string> = ['crew', 'operator', 'admin'];

const SITE_ALERTS = /^gp\/v1\/sites\/([^/]+)\/alerts$/;
const SITE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * What a crew app may subscribe to: the alert topic of one site, or of every site with the
 * single-level wildcard (gp/v1/sites/+/alerts). Nothing else, and it may never publish. A
 * site-scoped key (`sites`) may subscribe to its own sites' topics only, one by one.
 */
export function crewMaySubscribe(topicFilter: string, sites: readonly string[] | null = null): boolean {
  const match = SITE_ALERTS.exec(topicFilter);
  if (match === null) return false;
  if (sites) return sites.includes(match[1]);
  return match[1] === '+' || SITE_ID.test(match[1]);
}

/** The two payloads the status topic carries (retained). */
export const STATUS_ONLINE = 'online';
export const STATUS_OFFLINE = 'offline';
