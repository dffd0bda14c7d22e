import type { z } from 'zod';
import type { Notification } from '../../model/alert';
import { parseDuration } from '../../model/duration';

/** One way of reaching a receiver (a receiver may have several: webhook + email + MQTT). */
export interface Integration {
  receiver: string;
  /** e.g. "webhook[0]", "email[0]": names the integration in the delivery log and metrics. */
  name: string;
  sendResolved: boolean;
  timeoutMs?: number;
  send(n: Notification, signal: AbortSignal): Promise<void>;
  close?(): void;
}

/** Publishes an MQTT message through the broker (libs/broker provides one). */
export type AlertPublisher = (topic: string, payload: string) => Promise<void> | void;

/** What a channel may use to build its integrations; one object for every channel. */
export interface IntegrationDeps {
  externalUrl: string;
  publish?: AlertPublisher;
  log: (message: string) => void;
  warn: (message: string) => void;
  /** global.delivery.timeout of the routing file, for channels whose config has none. */
  defaultTimeoutMs: number;
}

/**
 * An alert channel: the routing file's `<kind>_configs` list of a receiver, its schema, and how
 * one entry becomes an Integration. The registry (channels/index.ts) is the only list of
 * channels: the routing file's schema, its checks and the delivery derive from it.
 */
export interface AlertChannel<K extends string = string, S extends z.ZodType = z.ZodType> {
  /** Key prefix in the routing file: `webhook` → `webhook_configs`; also names the integration. */
  kind: K;
  schema: S;
  /** undefined: the entry cannot work here (reason passed to deps.warn). */
  build(receiver: string, index: number, config: z.output<S>, deps: IntegrationDeps): Integration | undefined;
}

/** Declares a channel with its config type inferred from the schema. */
export function defineChannel<K extends string, S extends z.ZodType>(channel: AlertChannel<K, S>): AlertChannel<K, S> {
  return channel;
}

export const optionalMs = (d: string | number | undefined) => (d === undefined ? undefined : parseDuration(d));
