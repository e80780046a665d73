import { Controller, Get } from '@nestjs/common';
import { TokenService, type TokenStatus } from 'nestjs-fandeng-auth';

/** The token's state for operators: expiry, refreshes, failures. Never the token or secret. */
@Controller('status')
export class StatusController {
  constructor(private readonly tokens: TokenService) {}

  @Get()
  status(): TokenStatus {
    return this.tokens.getStatus();
  }
}
