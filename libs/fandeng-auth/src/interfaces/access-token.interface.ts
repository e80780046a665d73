/** An access token as the module holds it. */
export interface AccessToken {
  /** The token itself (a JWT today; the platform asks for 512+ characters of storage). */
  readonly value: string;
  /** The scheme from the platform's `tokenType`, normally `bearer`. */
  readonly tokenType: string;
  /** When the token expires by the local clock: receipt time plus `expiresIn`. */
  readonly expiresAt: Date;
  /** When the token was received, by the local clock. */
  readonly obtainedAt: Date;
  /** The lifetime in seconds, as the platform stated it. */
  readonly expiresIn: number;
  /** The scopes granted (`['ALL']` today). */
  readonly scope: readonly string[];
  /** The token id (`additionalInformation.jti`, or the JWT's `jti`), when known. */
  readonly jti?: string;
  /** The platform's absolute expiry (`expiration`, its own clock), kept for diagnostics. */
  readonly platformExpiration?: Date;
}
