import { Logger } from '@nestjs/common';
import type { GridProofConfig } from '@gridproof/config';
import type { PipelineEvents } from '@gridproof/events';
import type { TelemetrySink } from '@gridproof/ingest';
import type { Registry } from '@gridproof/metrics';
import type { DeviceDirectory } from '@gridproof/registry';
import { BrokerLogger } from './broker-logger';
import { BrokerMetrics } from './broker-metrics';
import { ApiKeyVerifier, DeviceHooks } from './device-hooks';
import { BrokerPorts, DEFAULT_CONNECT_TIMEOUT_MS, MqttBroker } from './mqtt-broker';

export interface StartBrokerOptions {
  /** mqtt.connectTimeoutMs defaults to DEFAULT_CONNECT_TIMEOUT_MS when absent (tests, benches). */
  config: Pick<GridProofConfig, 'host'> & { mqtt: Omit<GridProofConfig['mqtt'], 'connectTimeoutMs'> & { connectTimeoutMs?: number } };
  directory: DeviceDirectory;
  sink: TelemetrySink;
  events: PipelineEvents;
  metrics: Registry;
  logger?: BrokerLogger;
  /** Defaults to packetLimitFor(config.mqtt.maxPayloadBytes). */
  maxPacketBytes?: number;
  /** Enables read-only crew app logins with an API key (docs/crews.md). */
  apiKeys?: ApiKeyVerifier;
  /** How often crew sessions are checked against their key (default 60 s). */
  crewKeyRecheckMs?: number;
}

export interface RunningBroker {
  ports: BrokerPorts;
  /** Ids of the devices with an authenticated session. */
  onlineDevices(): string[];
  /** Publishes a server-side message (e.g. crew alerts on gp/v1/sites/{site}/alerts), QoS 1. */
  publish(topic: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The largest MQTT packet a client may send. Larger than the payload limit on purpose: a
 * payload a little over maxPayloadBytes must still reach ingest, so the device is told
 * "too_large" on its errors topic; only absurd packets close the connection unread.
 */
export function packetLimitFor(maxPayloadBytes: number): number {
  return 4 * maxPayloadBytes + 1024;
}

/** Starts the broker without Nest (tests, benchmarks): transports + device hooks. */
export async function startBroker(options: StartBrokerOptions): Promise<RunningBroker> {
  const logger = options.logger ?? new Logger('MqttBroker');
  const metrics = new BrokerMetrics(options.metrics);
  const hooks = new DeviceHooks({
    directory: options.directory,
    sink: options.sink,
    events: options.events,
    metrics,
    logger,
    connectTimeoutMs: options.config.mqtt.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    apiKeys: options.apiKeys,
    crewKeyRecheckMs: options.crewKeyRecheckMs,
  });
  const broker = await MqttBroker.start({
    host: options.config.host,
    port: options.config.mqtt.port,
    wsPort: options.config.mqtt.wsPort,
    tls: options.config.mqtt.tls,
    maxPacketBytes: options.maxPacketBytes ?? packetLimitFor(options.config.mqtt.maxPayloadBytes),
    connectTimeoutMs: options.config.mqtt.connectTimeoutMs,
    hooks,
    metrics,
    logger,
  });
  return {
    ports: broker.ports,
    onlineDevices: () => hooks.onlineDevices(),
    publish: (topic, payload) =>
      new Promise<void>((resolve, reject) =>
        broker.aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false }, (err) => (err ? reject(err) : resolve())),
      ),
    close: () => broker.close(),
  };
}
