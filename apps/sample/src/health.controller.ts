import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { FandengHealthIndicator } from 'nestjs-fandeng-auth';

/** `GET /health`: 200 while a valid token is held, 503 when none can be had. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly fandeng: FandengHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.fandeng.isHealthy('fandeng')]);
  }
}
