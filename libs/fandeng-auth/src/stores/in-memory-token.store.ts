import type { AccessToken } from '../interfaces/access-token.interface.js';
import type { TokenStore } from '../interfaces/token-store.interface.js';

/** The default store: a map in this process. Holds no timers, so it needs no shutdown. */
export class InMemoryTokenStore implements TokenStore {
  private readonly tokens = new Map<string, AccessToken>();

  async get(key: string): Promise<AccessToken | undefined> {
    return this.tokens.get(key);
  }

  async set(key: string, token: AccessToken): Promise<void> {
    this.tokens.set(key, token);
  }

  async delete(key: string, value: string): Promise<void> {
    if (this.tokens.get(key)?.value === value) this.tokens.delete(key);
  }
}
