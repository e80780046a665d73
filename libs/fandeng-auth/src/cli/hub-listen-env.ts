import { isIP } from 'node:net';

// Where the hub command listens, and whom it believes about the client's address: read strictly,
// because a lenient reading starts a hub somewhere nobody asked for (`PORT=0x1F9A` on 8090).

/**
 * `PORT`: decimal digits only, 0 to 65535 (0: any free port). `undefined` for anything else:
 * `0x1F9A`, `1e3`, ` 80`, `-1`, `70000` are refused, not read as some other port. Unset or empty: 3000.
 */
export function parsePort(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return 3000;
  if (!/^\d{1,5}$/.test(raw)) return undefined;
  const port = Number(raw);
  return port <= 65_535 ? port : undefined;
}

const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** `HOST`: an IP address or a host name (whether it resolves is checked before listening). */
export function isHostSyntax(host: string): boolean {
  return isIP(host) !== 0 || HOST_NAME.test(host);
}

/**
 * Express's `trust proxy`, as the hub command takes it: `false` (the socket's peer is the client,
 * `X-Forwarded-For` is ignored), a number of proxy hops, or the proxies' addresses (IP, CIDR, or
 * Express's `loopback`, `linklocal`, `uniquelocal`).
 */
export type TrustProxy = false | number | string[];

const PRESETS = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * `TRUST_PROXY`: unset or `false`; a hop count `1`-`10`; or addresses separated by commas.
 * `true` is refused: it believes any `X-Forwarded-For`, so any client could choose the address
 * its wrong keys count against. A string is the problem with the value (never the value).
 */
export function parseTrustProxy(raw: string | undefined): TrustProxy | string {
  const text = raw?.trim() ?? '';
  if (text === '' || text === 'false') return false;
  if (text === 'true') {
    return 'true would believe any client about its address; give the proxies (e.g. loopback, 10.0.0.0/8) or a hop count';
  }
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    return hops >= 1 && hops <= 10 ? hops : 'a hop count must be 1 to 10';
  }
  const entries = text.split(',').map((entry) => entry.trim());
  const bad = entries.findIndex((entry) => !PRESETS.has(entry) && !isAddressOrRange(entry));
  return bad === -1
    ? entries
    : `entry ${bad + 1} must be an IP address, a CIDR range, loopback, linklocal or uniquelocal`;
}

function isAddressOrRange(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}
