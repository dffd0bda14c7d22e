import { DynamicModule, Inject, Injectable, Logger, Module, ModuleMetadata, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import type { InjectionToken } from '@nestjs/common';
import { GP_CONFIG } from '@gridproof/core';
import type { GridProofConfig } from '@gridproof/config';
import { PipelineEvents } from '@gridproof/events';
import { TELEMETRY_SINK, type TelemetrySink } from '@gridproof/ingest';
import { Registry } from '@gridproof/metrics';
import type { DeviceDirectory } from '@gridproof/registry';
import { API_KEY_VERIFIER, DEVICE_DIRECTORY } from './broker.tokens';
import type { ApiKeyVerifier } from './device-hooks';
import type { BrokerPorts } from './mqtt-broker';
import { DeviceTelemetryController } from './https/device-telemetry.controller';
import { RunningBroker, startBroker } from './start-broker';

/**
 * Runs the MQTT broker inside the app: starts listening once every module is initialised (the
 * registry and ingest are ready), closes on shutdown. Also a /api/health contributor.
 *
 * Closes in onModuleDestroy, the first shutdown phase, which Nest runs for dependents before
 * their dependencies: devices stop publishing before the registry and ingest close under them.
 */
@Injectable()
export class BrokerService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly healthName = 'broker';
  private readonly logger = new Logger('MqttBroker');
  private running: RunningBroker | null = null;

  constructor(
    @Inject(GP_CONFIG) private readonly config: GridProofConfig,
    @Inject(DEVICE_DIRECTORY) private readonly directory: DeviceDirectory,
    @Inject(TELEMETRY_SINK) private readonly sink: TelemetrySink,
    private readonly events: PipelineEvents,
    private readonly metrics: Registry,
    @Optional() @Inject(API_KEY_VERIFIER) private readonly apiKeys?: ApiKeyVerifier,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.running = await startBroker({ config: this.config, directory: this.directory, sink: this.sink, events: this.events, metrics: this.metrics, logger: this.logger, apiKeys: this.apiKeys });
    const { tcp, ws, tls } = this.running.ports;
    const host = this.config.host;
    this.logger.log(`MQTT on mqtt://${host}:${tcp}, ws://${host}:${ws}/mqtt${tls ? `, mqtts://${host}:${tls}` : ''}`);
  }

  async onModuleDestroy(): Promise<void> {
    const running = this.running;
    this.running = null;
    await running?.close();
  }

  /** Bound ports; null before bootstrap. */
  get ports(): BrokerPorts | null {
    return this.running?.ports ?? null;
  }

  /** Server-side publish; refused before the broker is listening. */
  async publish(topic: string, payload: string): Promise<void> {
    if (!this.running) throw new Error('the MQTT broker is not running');
    await this.running.publish(topic, payload);
  }

  onlineDevices(): string[] {
    return this.running?.onlineDevices() ?? [];
  }

  health(): { status: 'up' | 'down'; ports?: BrokerPorts; devicesOnline?: number } {
    if (!this.running) return { status: 'down' };
    return { status: 'up', ports: this.running.ports, devicesOnline: this.running.onlineDevices().length };
  }
}

export interface BrokerModuleOptions {
  /** Modules that export the directory implementation and TELEMETRY_SINK (IngestModule binds it). */
  imports?: ModuleMetadata['imports'];
  /** Token or class of the DeviceDirectory implementation; omit when DEVICE_DIRECTORY is provided globally. */
  directory?: InjectionToken;
  /**
   * Token or class of another TelemetrySink (a test's fake). Omit it with IngestModule, which
   * binds ingest's TELEMETRY_SINK to its pipeline itself: one binding, where the sink lives.
   */
  sink?: InjectionToken;
  /** Token or class of the API keys (ApiKeyVerifier): enables read-only crew app logins. */
  apiKeys?: InjectionToken;
}

/**
 * The MQTT broker as a Nest module. Needs CoreModule (global: GP_CONFIG, PipelineEvents,
 * Registry) and the two ports: the device directory, and ingest's TELEMETRY_SINK, which
 * IngestModule binds to its pipeline and exports:
 *
 *   BrokerModule.register({ imports: [RegistryModule, IngestModule.register()], directory: DeviceRegistry })
 */
@Module({})
export class BrokerModule {
  static register(options: BrokerModuleOptions = {}): DynamicModule {
    return {
      module: BrokerModule,
      imports: options.imports ?? [],
      providers: [
        ...(options.directory ? [{ provide: DEVICE_DIRECTORY, useExisting: options.directory }] : []),
        ...(options.sink ? [{ provide: TELEMETRY_SINK, useExisting: options.sink }] : []),
        ...(options.apiKeys ? [{ provide: API_KEY_VERIFIER, useExisting: options.apiKeys }] : []),
        BrokerService,
      ],
      // HTTPS ingest: devices that cannot speak MQTT POST the same message through the same sink.
      controllers: [DeviceTelemetryController],
      exports: [BrokerService],
    };
  }
}
