import { createHash } from 'node:crypto';

/** A short, non-reversible name for a token, for logs and status: `sha256:1a2b3c4d`. */
export function fingerprint(value: string): string {
  return `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 8)}`;
}
