import { DynamicModule, InjectionToken, Module, ModuleMetadata } from '@nestjs/common';
import { AnomalyRepository } from './anomaly.repository';
import { DetectionService } from './detection.service';
import { DETECT_HISTORY } from './warm-start';

export interface DetectModuleOptions {
  imports?: ModuleMetadata['imports'];
  /** Token of the TelemetryHistory for the warm start (e.g. InfluxTelemetryStore); none: a cold start. */
  history?: InjectionToken;
}

/**
 * The detection stage: needs CoreModule (config, SQL store, event bus, metrics registry).
 * `DetectModule` alone starts cold; `DetectModule.register({ history })` replays the stored
 * telemetry at start (DetectionService.warmStart).
 */
@Module({
  providers: [AnomalyRepository, DetectionService],
  exports: [DetectionService],
})
export class DetectModule {
  static register(options: DetectModuleOptions = {}): DynamicModule {
    return {
      module: DetectModule,
      imports: options.imports ?? [],
      providers: [...(options.history ? [{ provide: DETECT_HISTORY, useExisting: options.history }] : []), AnomalyRepository, DetectionService],
      exports: [DetectionService],
    };
  }
}
