import { OriginGuard } from './authorized-origins.js';

describe('OriginGuard', () => {
  const platform = 'https://open.example.com';
  const guard = new OriginGuard([platform, 'http://127.0.0.1:8080/ignored/path']);

  it.each([
    // [url, baseURL, allowAbsoluteUrls, expected]
    ['/api/books', platform, undefined, true],
    ['api/books', `${platform}/v1/`, undefined, true],
    ['', platform, undefined, true],
    [undefined, platform, undefined, true],
    [`${platform}/api/books?x=1#y`, undefined, undefined, true],
    ['HTTPS://OPEN.EXAMPLE.COM:443/api', undefined, undefined, true],
    ['http://127.0.0.1:8080/other/path', undefined, undefined, true],
    ['https://evil.example.net/api', platform, undefined, false],
    ['https://evil.example.net/api', platform, false, true], // axios sends it to baseURL then
    ['//evil.example.net/api', platform, undefined, false], // protocol-relative is absolute to axios
    ['https://open.example.com@evil.example.net/', undefined, undefined, false],
    ['https://evil.example.net\\@open.example.com/', undefined, undefined, false],
    ['https://open.example.com.evil.example.net/', undefined, undefined, false],
    ['http://open.example.com/api', undefined, undefined, false], // another scheme, another origin
    ['https://open.example.com:8443/api', undefined, undefined, false],
    ['/api/books', undefined, undefined, false], // no base: axios cannot send it either
    ['/api/books', 'https://evil.example.net', undefined, false],
    ['not a url', undefined, undefined, false],
  ])('%s on base %s (allowAbsoluteUrls %s) → %s', (url, base, allowAbsolute, expected) => {
    expect(guard.allowsRequest(url, base, allowAbsolute)).toBe(expected);
    // The memoised answer is the same as the first.
    expect(guard.allowsRequest(url, base, allowAbsolute)).toBe(expected);
  });

  it('keeps its memo bounded and still answers correctly past the bound', () => {
    const g = new OriginGuard([platform]);
    for (let i = 0; i < 1000; i++) {
      expect(g.allowsRequest(`https://host-${i}.example.net/x`, undefined)).toBe(false);
    }
    expect(g.allowsRequest(`${platform}/x`, undefined)).toBe(true);
    expect((g as unknown as { memo: Map<string, boolean> }).memo.size).toBeLessThanOrEqual(256);
  });
});
