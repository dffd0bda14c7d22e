import { DynamicModule, Module } from '@nestjs/common';
import { CoreModule, CoreModuleOptions } from '@gridproof/core';
import { AlertsModule } from '@gridproof/alerts';
import { AnchorModule, AnchorService, LeafJournal, ReceiveClock } from '@gridproof/anchor';
import { AuditModule } from '@gridproof/audit';
import { BrokerModule, BrokerService } from '@gridproof/broker';
import { DetectModule } from '@gridproof/detect';
import { IngestModule, IngestPipeline } from '@gridproof/ingest';
import { InfluxTelemetryStore } from '@gridproof/influx';
import { ApiKeys, DeviceRegistry, RegistryModule } from '@gridproof/registry';
import { HEALTH_CONTRIBUTORS, HealthContributor } from './health.service';
import { HealthService } from './health.service';
import { OpsController } from './ops.controller';
import { LateBrokerPublisher } from './broker-publisher';
import { GrafanaFeedsModule } from './grafana-feeds';

/**
 * Composes the pipeline: registry → broker → ingest → detect → alerts → anchor → audit,
 * plus the feeds of what only Grafana reads (sites, open alerts, device status).
 * Holds no domain logic; each stage is a module of its lib.
 */
@Module({})
export class AppModule {
  static forRoot(options: CoreModuleOptions): DynamicModule {
    const publisher = new LateBrokerPublisher();
    // Anchoring's receive clock stamps rx, so every record falls into exactly one anchoring window.
    const ingest = IngestModule.register({ imports: [AnchorModule], rxStamp: ReceiveClock, journal: LeafJournal });
    const broker = BrokerModule.register({ imports: [RegistryModule, ingest], directory: DeviceRegistry, apiKeys: ApiKeys });
    const alerts = AlertsModule.forRoot({ publish: publisher.publish });
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(options),
        RegistryModule,
        ingest,
        broker,
        // The warm start replays each device's last readings from the telemetry store (CoreModule's).
        // Importing ingest is not needed for the store any more, but it orders Nest's lifecycle
        // hooks (detect after ingest and anchoring): without it, process-kill.int.spec.ts finds
        // acknowledged readings of the kill's in-flight window missing from the sealed batches.
        DetectModule.register({ imports: [ingest], history: InfluxTelemetryStore }),
        alerts,
        AnchorModule,
        AuditModule,
        GrafanaFeedsModule.register({ imports: [RegistryModule, alerts] }),
      ],
      controllers: [OpsController],
      providers: [
        HealthService,
        {
          provide: HEALTH_CONTRIBUTORS,
          useFactory: (...contributors: HealthContributor[]) => contributors,
          inject: [IngestPipeline, BrokerService, AnchorService],
        },
        {
          provide: LateBrokerPublisher,
          useFactory: (brokerService: BrokerService) => Object.assign(publisher, { target: brokerService }),
          inject: [BrokerService],
        },
      ],
    };
  }
}

