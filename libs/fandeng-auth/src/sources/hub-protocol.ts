import { createHash } from 'node:crypto';

// The wire format between a token hub and its consumers. Times are relative (seconds from the
// moment of the answer), so a consumer whose clock differs from the hub's still gets them right.

/** `GET {path}/token` and `POST {path}/token/rejected`: the hub's current token. */
export interface HubTokenAnswer {
  value: string;
  tokenType: string;
  /** Seconds until the token expires. */
  expiresInSeconds: number;
  /** Seconds since the hub obtained it. */
  ageSeconds: number;
  /** Seconds until the hub plans to replace it, when it has a plan. */
  renewsInSeconds?: number;
  /** The lifetime the platform gave it, as the platform said it. */
  expiresIn: number;
  scope: string[];
  jti?: string;
}

/** `POST {path}/token/rejected`: the platform refused the token with this digest. */
export interface HubRejectedReport {
  /** {@link tokenDigest} of the rejected token: the token itself never travels back. */
  digest: string;
}

/** The answer when the hub has no token to give: the code and message of its own failure. */
export interface HubErrorAnswer {
  error: 'token_unavailable';
  code: string;
  message: string;
}

export const HUB_TOKEN_ROUTE = 'token';
export const HUB_REJECTED_ROUTE = 'token/rejected';

/** SHA-256 of a token, hex: how a consumer names a rejected token to the hub. */
export function tokenDigest(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
