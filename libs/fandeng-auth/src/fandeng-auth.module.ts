import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ConfigurableModuleClass } from './fandeng-auth.module-definition.js';

/**
 * Gets and refreshes the Fandeng platform's access token.
 * `FandengAuthModule.forRoot(options)` or `.forRootAsync({ imports, inject, useFactory })`;
 * add `name` for a second set of credentials. The providers are in `fandeng-auth.providers.ts`,
 * because what a registration exports depends on its name.
 */
@Module({
  imports: [ScheduleModule.forRoot()],
})
export class FandengAuthModule extends ConfigurableModuleClass {}
