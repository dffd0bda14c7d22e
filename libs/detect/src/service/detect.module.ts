import { Module } from '@nestjs/common';
import { DetectionService } from './detection.service';

/** The detection stage: needs CoreModule (config, SQL store, event bus, metrics registry). */
@Module({
  providers: [DetectionService],
  exports: [DetectionService],
})
export class DetectModule {}
