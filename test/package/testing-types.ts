// Type-checked in the consumer folder against the packed package's declarations: the `testing`
// entry and the emulator it re-exports must resolve to real types, not `any`.
import type { TokenService } from 'nestjs-fandeng-auth';
import {
  FakeTokenService,
  FandengAuthTestingModule,
  FandengPlatformEmulator,
  type EmulatorFault,
  type TokenServiceSurface,
} from 'nestjs-fandeng-auth/testing';

export async function check(tokens: TokenService): Promise<string> {
  const surface: TokenServiceSurface = tokens;
  const fake: TokenServiceSurface = new FakeTokenService({ token: 'typed' });
  const fault: EmulatorFault = { type: 'status', status: 503 };
  const emulator = new FandengPlatformEmulator({ port: 0 });
  emulator.injectFault(fault, 2);
  // @ts-expect-error: an unknown fault type is a type error, so the emulator's types did resolve
  emulator.injectFault({ type: 'unknown-fault' });
  FandengAuthTestingModule.forRoot({ expiresInSeconds: 60, isGlobal: true });
  const url: string = await emulator.start();
  const count: number = emulator.counters.tokenRequests;
  await emulator.stop();
  return `${url} ${count} ${typeof surface} ${typeof fake}`;
}
