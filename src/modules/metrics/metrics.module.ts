import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';

/** `GET /metrics` (the registry itself is infra's MetricsService, which every module records into). */
@Module({ controllers: [MetricsController] })
export class MetricsModule {}
