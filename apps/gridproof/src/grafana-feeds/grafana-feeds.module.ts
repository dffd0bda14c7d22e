import { DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import type { GrafanaFeedsOptions } from './grafana-feeds';
import { GRAFANA_FEEDS_OPTIONS, GrafanaFeedsService } from './grafana-feeds.service';

export interface GrafanaFeedsModuleOptions extends Partial<GrafanaFeedsOptions> {
  /** Modules exporting DeviceRegistry and AlertsService (the app's own instances). */
  imports: NonNullable<ModuleMetadata['imports']>;
}

/**
 * The measurements only Grafana reads (gp_sites, gp_alerts_open, gp_device_status). Needs the
 * global CoreModule; pass the app's RegistryModule and AlertsModule instance in `imports`.
 */
@Module({})
export class GrafanaFeedsModule {
  static register({ imports, ...options }: GrafanaFeedsModuleOptions): DynamicModule {
    return {
      module: GrafanaFeedsModule,
      imports,
      providers: [{ provide: GRAFANA_FEEDS_OPTIONS, useValue: options }, GrafanaFeedsService],
      exports: [GrafanaFeedsService],
    };
  }
}
