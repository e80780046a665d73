import { Module } from '@nestjs/common';
import { ConfigurableModuleClass } from './fandeng-auth.module-definition.js';

/**
 * Gets and refreshes the Fandeng platform's access token.
 * `FandengAuthModule.forRoot(options)` or `.forRootAsync({ imports, inject, useFactory })`;
 * add `name` for a second set of credentials. The providers are in `fandeng-auth.providers.ts`,
 * because what a registration exports depends on its name.
 *
 * A good guest: it imports no global module (not the schedule module either: a second schedule
 * explorer runs every job of the host app twice). Where the host app has its own
 * `ScheduleModule`, the refresh timers are listed in its `SchedulerRegistry`.
 */
@Module({})
export class FandengAuthModule extends ConfigurableModuleClass {}
