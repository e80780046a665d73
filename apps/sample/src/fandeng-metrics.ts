import { Injectable, type OnModuleInit } from '@nestjs/common';
import { registerFandengAuthMetrics, TokenService } from 'nestjs-fandeng-auth';

/** Puts the token metrics on prom-client's registry, which `GET /metrics` serves. */
@Injectable()
export class FandengMetrics implements OnModuleInit {
  constructor(private readonly tokens: TokenService) {}

  onModuleInit(): void {
    registerFandengAuthMetrics(this.tokens);
  }
}
