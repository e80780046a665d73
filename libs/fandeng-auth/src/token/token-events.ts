import { Subject, type Observable } from 'rxjs';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import type { TokenEvent } from '../interfaces/token-event.interface.js';
import { fingerprint } from './fingerprint.js';

/** The two streams a registration announces on: new tokens, and what its token service does. */
export class TokenEvents {
  private readonly changes = new Subject<AccessToken>();
  private readonly events = new Subject<TokenEvent>();
  readonly changes$: Observable<AccessToken> = this.changes.asObservable();
  readonly events$: Observable<TokenEvent> = this.events.asObservable();

  /** This process starts using `token`. */
  changed(token: AccessToken): void {
    this.changes.next(token);
  }

  /** Announces an event; a token appears in it only as its fingerprint. */
  emit(type: TokenEvent['type'], value?: string, source?: TokenEvent['source']): void {
    this.events.next({
      type,
      fingerprint: value === undefined ? undefined : fingerprint(value),
      source,
      at: new Date(),
    });
  }

  complete(): void {
    this.changes.complete();
    this.events.complete();
  }
}
