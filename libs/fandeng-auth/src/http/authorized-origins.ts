/** The origin of a URL (`https://host:port`), or `undefined` for something that is not a URL. */
export function originOf(url: string, base?: string): string | undefined {
  try {
    return new URL(url, base).origin;
  } catch {
    return undefined;
  }
}

/** The set of origins that may receive the token, normalised through the URL parser. */
export function authorizedOriginSet(origins: readonly string[]): ReadonlySet<string> {
  return new Set(
    origins.map((origin) => originOf(origin)).filter((o): o is string => o !== undefined),
  );
}

// axios's isAbsoluteURL: `scheme://` or protocol-relative `//`.
export const ABSOLUTE_URL = /^([a-z][a-z\d+\-.]*:)?\/\//i;
// Scheme and authority of an absolute URL: everything up to the path, query or fragment. The URL
// parser ends the authority at the same place (or earlier, at a `\`), so the prefix and the whole
// URL have the same origin.
const SCHEME_AND_AUTHORITY = /^[^/?#]*\/\/[^/?#]*/;
const MEMO_LIMIT = 256;

/**
 * Decides whether a request goes to an authorised origin, resolving its URL the way axios does
 * (`buildFullPath`): a relative URL, or any URL with `allowAbsoluteUrls: false`, goes to the
 * origin of `baseURL`; an absolute URL goes to its own origin. The answer is memoised per base
 * URL and per scheme and authority, so the hot path parses no URL.
 */
export class OriginGuard {
  private readonly authorized: ReadonlySet<string>;
  private readonly memo = new Map<string, boolean>();

  constructor(origins: readonly string[]) {
    this.authorized = authorizedOriginSet(origins);
  }

  /** Would axios send a request with this `url` and `baseURL` to an authorised origin? */
  allowsRequest(
    url: string | undefined,
    baseURL: string | undefined,
    allowAbsoluteUrls?: boolean,
  ): boolean {
    const path = url ?? '';
    if (baseURL && (allowAbsoluteUrls === false || !ABSOLUTE_URL.test(path)))
      return this.allows(baseURL);
    return this.allows(SCHEME_AND_AUTHORITY.exec(path)?.[0] ?? path);
  }

  /** Is the origin of this URL (or scheme and authority) authorised? */
  allows(url: string): boolean {
    let allowed = this.memo.get(url);
    if (allowed === undefined) {
      const origin = originOf(url);
      allowed = origin !== undefined && this.authorized.has(origin);
      if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
      this.memo.set(url, allowed);
    }
    return allowed;
  }
}
