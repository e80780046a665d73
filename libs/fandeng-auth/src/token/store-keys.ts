import type { ResolvedFandengAuthOptions } from '../options/resolve-options.js';
import { tokenDigest } from '../sources/hub-protocol.js';
import type { StoreKeys } from './store-link.js';

/**
 * A part of a store key, escaped so that a key names one (registration, client) pair only: parts
 * are joined with `:`, so a `:` inside one is written `%3A` (and `%` itself `%25`). Without it,
 * client `partner:b` and the registration `partner` of client `b` shared `token:partner:b`.
 * Text without those characters is unchanged: today's keys stay as they were.
 */
export function keyPart(text: string): string {
  return text.replace(/[%:]/g, (char) => (char === '%' ? '%25' : '%3A'));
}

/**
 * The client's part of a key. A hub consumer's part is `hub-` and a digest of the hub's URLs, so
 * a client id that starts with `hub-` gets its `h` escaped (`%68`): it can never name a hub.
 */
function clientPart(clientId: string): string {
  return keyPart(clientId).replace(/^hub-/, '%68ub-');
}

/**
 * The store keys of a registration: `token:{client}` for the default one, `token:{name}:{client}`
 * for a named one (its own token, even where two share a client id or a hub); the fleet's daily
 * count under the client's key, shared by all its registrations; the recovery probe's slot under
 * `probe:`, which no token key starts with. Consumers of different hubs on one Redis must not
 * share a key: the hub's URLs name it.
 */
export function storeKeys(options: ResolvedFandengAuthOptions, name: string): StoreKeys {
  const client = options.hub
    ? `hub-${tokenDigest(options.hub.urls.join(' ')).slice(0, 16)}`
    : clientPart(options.clientId);
  const count = `token:${client}`;
  const token = name ? `token:${keyPart(name)}:${client}` : count;
  return { token, count, probe: `probe:${token}` };
}
