import { Controller, Get, Header } from '@nestjs/common';
import { register } from 'prom-client';

/**
 * `GET /metrics`: prom-client's registry in the Prometheus text format. (The CommonJS
 * `@willsoto/nestjs-prometheus` does the same, but cannot `require()` Nest 12's ESM-only
 * packages under jest on Node 20.)
 */
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }
}
