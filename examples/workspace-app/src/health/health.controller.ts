import { Controller, Get } from '@nestjs/common';
import { Public } from '@gatehouse/nest';

/** The one route without a token: for load balancers, and the benchmark's baseline. */
@Controller('health')
@Public()
export class HealthController {
  @Get()
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
