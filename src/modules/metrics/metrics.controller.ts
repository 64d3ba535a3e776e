import { Controller, Get, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AcceptsMetricsToken, PlatformAdminOnly } from '../../core/auth/auth.decorators';
import { ApiDoc } from '../../core/http/api-doc.decorator';
import { MetricsService } from '../../infra/metrics/metrics.service';

@ApiTags('health')
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @ApiBearerAuth()
  @PlatformAdminOnly()
  @AcceptsMetricsToken()
  @ApiProduces('text/plain; version=0.0.4')
  @ApiDoc(
    'Prometheus metrics',
    "This process's metrics in Prometheus text format: for platform administrators, or a scraper holding " +
      'METRICS_TOKEN as its bearer. Labels name schools and models, never users.',
    [401, 403],
  )
  @Get('metrics')
  async scrape(@Res({ passthrough: true }) res: Response): Promise<string> {
    const { contentType, body } = await this.metrics.render();
    res.type(contentType);
    return body;
  }
}
