const IPV4_MAPPED_PREFIX = '::ffff:';

/**
 * Normalises an address for comparison: a dual-stack server reports IPv4 peers as
 * `::ffff:1.2.3.4`, which must match an allowlist entry written `1.2.3.4`.
 */
export function normalizeAddress(address: string): string {
  const lower = address.trim().toLowerCase();
  if (lower.startsWith(IPV4_MAPPED_PREFIX) && lower.includes('.')) {
    return lower.slice(IPV4_MAPPED_PREFIX.length);
  }
  return lower;
}

/** True when no allowlist is set, or when `remote` is on it. */
export function isAllowed(
  remote: string | undefined,
  allowlist: readonly string[] | undefined,
): boolean {
  if (allowlist === undefined) return true;
  if (remote === undefined) return false;
  const normalized = normalizeAddress(remote);
  return allowlist.some((entry) => normalizeAddress(entry) === normalized);
}
