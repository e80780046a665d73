import { createHmac, randomBytes } from 'node:crypto';

/** The claims the platform's tokens are observed to carry, plus the optional padding claim. */
export interface EmulatorJwtClaims {
  scope: string[];
  /** Expiry, epoch seconds. */
  exp: number;
  jti: string;
  client_id: string;
  /** Filler that brings the token up to `minTokenLength`; absent when no padding is needed. */
  pad?: string;
}

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/** Signs HS256 JWTs with a random key of its own, so no two emulators accept each other's tokens. */
export class JwtSigner {
  private readonly key = randomBytes(32);

  /** Signs `claims`; when `minLength` is set, adds a `pad` claim until the token reaches it. */
  sign(claims: Omit<EmulatorJwtClaims, 'pad'>, minLength = 0): string {
    const plain = this.signClaims(claims);
    if (plain.length >= minLength) return plain;
    // Base64url turns 3 payload bytes into 4 characters: estimate from an empty pad claim, a
    // little short, then add one byte at a time so the token overshoots by one character at most.
    const empty = this.signClaims({ ...claims, pad: '' }).length;
    let padLength = Math.max(0, Math.floor(((minLength - empty) * 3) / 4) - 1);
    for (;;) {
      const padded = this.signClaims({ ...claims, pad: 'x'.repeat(padLength) });
      if (padded.length >= minLength) return padded;
      padLength += 1;
    }
  }

  private signClaims(claims: EmulatorJwtClaims): string {
    const input = `${HEADER}.${base64url(JSON.stringify(claims))}`;
    const signature = createHmac('sha256', this.key).update(input).digest('base64url');
    return `${input}.${signature}`;
  }
}

/**
 * Reads a JWT's payload without checking its signature: the emulator validates tokens by
 * looking them up in its ledger, and tests use this to inspect claims.
 */
export function decodeJwtPayload(token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('Not a JWT: expected three dot-separated parts');
  return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
