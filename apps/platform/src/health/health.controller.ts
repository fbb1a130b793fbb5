import { Controller, Get, Logger, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '@app/auth';
import { ApiEndpoint } from '@app/http-api';
import { HealthCheck, type HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { DatabaseHealthIndicator } from './database.health.js';

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  private readonly logger = new Logger('HealthController');

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
  ) {}

  /** The process is up and serving HTTP; never touches the database. */
  @Get('live')
  @ApiEndpoint({ operationId: 'checkLiveness', summary: 'The process is up and serving HTTP (never touches the database)' })
  @ApiOkResponse({ schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready to serve: the database answers. 503 (in the common error shape) when it does not. */
  @Get('ready')
  @HealthCheck()
  @ApiEndpoint({
    operationId: 'checkReadiness',
    summary: 'Ready to serve: the database answers',
    errors: { 503: 'Not ready: database is down' },
  })
  @ApiOkResponse({
    description: 'Ready: the database answers',
    schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } },
  })
  async ready(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.database.ping('database')]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      const failures = Object.entries(result.error ?? {});
      // The driver's words (addresses, server messages) go to the log; the public answer names the check only.
      for (const [name, detail] of failures) {
        if (typeof detail?.message === 'string') this.logger.warn(`Not ready: ${name} is ${detail.status} (${detail.message})`);
      }
      throw new ServiceUnavailableException(
        `Not ready: ${failures.map(([name, detail]) => `${name} is ${detail?.status ?? 'down'}`).join(', ')}`,
      );
    }
  }
}
