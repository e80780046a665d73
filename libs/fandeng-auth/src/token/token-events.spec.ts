import { firstValueFrom, toArray } from 'rxjs';
import { TokenEvents } from './token-events.js';
import { fingerprint } from './fingerprint.js';
import type { AccessToken } from '../interfaces/access-token.interface.js';

describe('TokenEvents', () => {
  it('announces events with a fingerprint, never the token, and completes both streams', async () => {
    const events = new TokenEvents();
    const seen = firstValueFrom(events.events$.pipe(toArray()));
    const changes = firstValueFrom(events.changes$.pipe(toArray()));
    const token = { value: 'a-token-value-of-the-platform' } as AccessToken;

    events.emit('fetched', token.value, 'platform');
    events.emit('failed');
    events.changed(token);
    events.complete();

    const [fetched, failed] = await seen;
    expect(fetched).toMatchObject({ type: 'fetched', source: 'platform' });
    expect(fetched.fingerprint).toBe(fingerprint(token.value));
    expect(JSON.stringify(fetched)).not.toContain(token.value);
    expect(failed).toMatchObject({ type: 'failed', fingerprint: undefined });
    expect(await changes).toEqual([token]);
  });
});
