import request from 'supertest';
import { HUB_PATH, HubFixture, KEY_A } from '../support/hub-fixture.js';
import { pipelined, rawGet } from '../support/raw-http.js';

// The hub's wrong-key limit (10 a minute per address) as a network service meets it: requests
// pipelined on one keep-alive connection, or sent at once on many, are counted one by one.
describe('the token hub: wrong-key limit under pipelining and concurrency', () => {
  const fx = new HubFixture();
  beforeEach(() => fx.setUp());
  afterEach(() => fx.tearDown());

  it('answers 429 past the 10th wrong key pipelined on one connection, and to the right key after them', async () => {
    const hub = await fx.startHub();
    const port = Number(new URL(hub.url).port);
    const path = `/${HUB_PATH}/token`;
    const guesses = Array.from({ length: 300 }, (_, i) =>
      rawGet(path, `guess-${i}-0123456789abcdef`),
    );

    const statuses = await pipelined(port, [
      ...guesses,
      rawGet(path, KEY_A, { Connection: 'close' }),
    ]);

    expect(statuses).toHaveLength(301);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(291).fill(429)); // the right key included
    expect(fx.emulator.counters.tokenRequests).toBe(0);
  });

  it('counts wrong keys sent at once on separate connections one by one', async () => {
    const hub = await fx.startHub();
    const server = hub.app.getHttpServer();
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        request(server)
          .get(`/${HUB_PATH}/token`)
          .set('Authorization', `Bearer guess-${i}-0123456789abcdef`),
      ),
    );
    const right = await request(server)
      .get(`/${HUB_PATH}/token`)
      .set('Authorization', `Bearer ${KEY_A}`);

    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30);
    expect(right.status).toBe(429);
  });
});
