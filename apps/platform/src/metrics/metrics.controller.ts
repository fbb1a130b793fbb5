import { Controller, Get, Header, NotFoundException } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public } from '@app/auth';
import { HttpConfig } from '@app/config';
import { ApiEndpoint } from '@app/http-api';
import { MetricsRegistry } from '@app/metrics';

export const METRICS_NOT_PUBLIC =
  'Metrics are not served on this port; set METRICS_PUBLIC=true, or METRICS_PORT to serve them on a port of their own';

@ApiTags('operations')
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly registry: MetricsRegistry,
    private readonly http: HttpConfig,
  ) {}

  /**
   * Prometheus text format; on the main port only when METRICS_PUBLIC=true (and only then in
   * the OpenAPI document, so it documents no 404).
   */
  @Get()
  @ApiEndpoint({ operationId: 'getMetrics', summary: 'Prometheus metrics (served here when METRICS_PUBLIC=true)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format', schema: { type: 'string' } })
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    if (!this.http.metricsPublic) throw new NotFoundException(METRICS_NOT_PUBLIC);
    return this.registry.metrics();
  }
}
