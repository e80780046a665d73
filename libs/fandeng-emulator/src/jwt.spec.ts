import { decodeJwtPayload, JwtSigner } from './jwt.js';

const CLAIMS = { scope: ['ALL'], exp: 1_566_788_088, jti: 'j-1', client_id: 'demo-client' };

describe('JwtSigner', () => {
  it('signs with a key of its own', () => {
    const [a, b] = [new JwtSigner(), new JwtSigner()];
    const [ta, tb] = [a.sign(CLAIMS), b.sign(CLAIMS)];

    expect(ta.split('.').slice(0, 2)).toEqual(tb.split('.').slice(0, 2));
    expect(ta.split('.')[2]).not.toBe(tb.split('.')[2]);
    expect(a.sign(CLAIMS)).toBe(ta);
    expect(ta.split('.')[2]).toMatch(/^[\w-]{43}$/);
  });

  it.each([300, 512, 513, 514, 515, 1000, 4096])(
    'pads to at least %i characters, overshooting by one at most',
    (min) => {
      const token = new JwtSigner().sign(CLAIMS, min);

      expect(token.length).toBeGreaterThanOrEqual(min);
      expect(token.length).toBeLessThanOrEqual(min + 1);
      expect(decodeJwtPayload(token)).toMatchObject(CLAIMS);
    },
  );

  it('leaves a token already long enough unpadded', () => {
    const token = new JwtSigner().sign(CLAIMS, 10);

    expect(decodeJwtPayload(token)).toEqual(CLAIMS);
  });

  it('refuses to decode what is not a JWT', () => {
    expect(() => decodeJwtPayload('opaque-token')).toThrow(/three/);
  });
});
