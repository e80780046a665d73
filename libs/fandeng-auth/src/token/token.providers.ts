import type { Provider } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { AxiosAdapter } from 'axios';
import {
  FANDENG_AUTH_NAME,
  FANDENG_AUTH_OPTIONS,
  FANDENG_TOKEN_ADAPTER,
  FANDENG_TOKEN_STORE,
} from '../fandeng-auth.constants.js';
import type { TokenStore } from '../interfaces/token-store.interface.js';
import type { ResolvedFandengAuthOptions } from '../options/resolve-options.js';
import { RefreshPlanner } from './refresh-plan.js';
import { TokenClient } from './token-client.js';
import { TokenParts } from './token-parts.js';

/**
 * The providers behind a registration's `TokenService` (class tokens, never exported from the
 * module). A provider only where a test or a user replaces something: `RefreshPlanner` (when
 * tokens refresh) and `TokenClient` (the source), with `overrideProvider`
 * (`test/token/collaborators.e2e-spec.ts`); the socket under the client is `FANDENG_TOKEN_ADAPTER`
 * (`fandeng-auth.providers.ts`, the testing kit). The rest is plain construction in
 * {@link TokenParts}; `TokenService` builds its `TokenRefresher`. Factories with explicit
 * `inject`: they need no decorator metadata.
 */
export function tokenProviders(): Provider[] {
  return [
    {
      provide: TokenParts,
      useFactory: (
        options: ResolvedFandengAuthOptions,
        name: string,
        store: TokenStore,
        registry?: SchedulerRegistry,
      ) => new TokenParts(options, name, store, registry),
      inject: [
        FANDENG_AUTH_OPTIONS,
        FANDENG_AUTH_NAME,
        FANDENG_TOKEN_STORE,
        { token: SchedulerRegistry, optional: true },
      ],
    },
    {
      provide: RefreshPlanner,
      useFactory: (options: ResolvedFandengAuthOptions) => new RefreshPlanner(options),
      inject: [FANDENG_AUTH_OPTIONS],
    },
    {
      provide: TokenClient,
      useFactory: (parts: TokenParts, adapter?: AxiosAdapter) => parts.createClient(adapter),
      inject: [TokenParts, { token: FANDENG_TOKEN_ADAPTER, optional: true }],
    },
  ];
}
