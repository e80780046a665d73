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
  return new Set(origins.map((origin) => originOf(origin)).filter((o): o is string => o !== undefined));
}
