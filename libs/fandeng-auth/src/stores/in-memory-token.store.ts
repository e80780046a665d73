import type { AccessToken } from '../interfaces/access-token.interface.js';
import type { TokenStore } from '../interfaces/token-store.interface.js';
import { keepsStored } from './token-order.js';

/** The default store: a map in this process. Holds no timers, so it needs no shutdown. */
export class InMemoryTokenStore implements TokenStore {
  private readonly tokens = new Map<string, AccessToken>();

  async get(key: string): Promise<AccessToken | undefined> {
    return this.tokens.get(key);
  }

  /** Keeps a newer token already here (one store shared by registrations): resolves that one. */
  async set(key: string, token: AccessToken): Promise<AccessToken | undefined> {
    const stored = this.tokens.get(key);
    if (stored !== undefined && keepsStored(stored, token, Date.now())) return stored;
    this.tokens.set(key, token);
    return undefined;
  }

  async delete(key: string, value: string): Promise<void> {
    if (this.tokens.get(key)?.value === value) this.tokens.delete(key);
  }
}
