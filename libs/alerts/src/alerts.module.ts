import { DynamicModule, Module, Provider } from '@nestjs/common';
import type { GridProofConfig } from '@gridproof/config';
import { GP_CONFIG } from '@gridproof/core';
import { AlertsConfig, loadAlertsConfig } from './config/alerts-config';
import { AlertsService } from './alerts.service';
import { ALERTS_CLOCK, ALERTS_CONFIG, ALERTS_MQTT_PUBLISH } from './alerts.tokens';
import type { AlertPublisher } from './delivery/channels';
import type { Clock } from './engine/alert.engine';
import { AlertsController } from './http/alerts.controller';
import { SilencesController } from './http/silences.controller';
import { AlertRepository } from './storage/alert.repository';

export interface AlertsModuleOptions {
  /** An already compiled config (tests); otherwise loaded from GP_ALERTS_CONFIG or the default. */
  config?: AlertsConfig;
  /**
   * Where `${VAR}` references in the routing file are resolved (default process.env): secrets
   * such as SMTP passwords are kept out of the file, as the config lib keeps them out of code.
   */
  env?: NodeJS.ProcessEnv;
  /** Publishes through the MQTT broker, for mqtt_configs (crew apps on gp/v1/sites/{site}/alerts). */
  publish?: AlertPublisher;
  clock?: Clock;
}

/**
 * Alerts for maintenance crews. Needs the global CoreModule (config, SQL store, event bus,
 * metrics registry) and, for the REST routes' roles, the registry's API-key guard. A bad
 * routing file makes start-up fail with AlertsConfigError naming each problem.
 */
@Module({})
export class AlertsModule {
  static forRoot(options: AlertsModuleOptions = {}): DynamicModule {
    const providers: Provider[] = [
      {
        provide: ALERTS_CONFIG,
        useFactory: (gp: GridProofConfig) => options.config ?? loadAlertsConfig(gp.alerts.configPath, options.env ?? process.env),
        inject: [GP_CONFIG],
      },
      AlertRepository,
      AlertsService,
    ];
    if (options.publish) providers.push({ provide: ALERTS_MQTT_PUBLISH, useValue: options.publish });
    if (options.clock) providers.push({ provide: ALERTS_CLOCK, useValue: options.clock });
    return { module: AlertsModule, providers, controllers: [AlertsController, SilencesController], exports: [AlertsService, ALERTS_CONFIG] };
  }
}
