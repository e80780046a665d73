import type { EmulatorResponseFormat } from './emulator-options.js';

/** An issued token, before it is shaped for the wire. */
export interface IssuedToken {
  value: string;
  jti: string;
  /** Absolute expiry, epoch ms. */
  expiresAt: number;
  /** Lifetime in whole seconds, as reported. */
  expiresIn: number;
}

/** The documented answer: a Spring `DefaultOAuth2AccessToken` serialized as a bean. */
export interface FandengTokenBody {
  additionalInformation: { jti: string };
  /** Absent when the emulator runs with `omitExpiration`. */
  expiration?: number;
  expired: false;
  expiresIn: number;
  scope: string[];
  tokenType: 'bearer';
  value: string;
}

/** The standard OAuth 2.0 answer, for clients written against RFC 6749 section 5.1. */
export interface Rfc6749TokenBody {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  scope: 'ALL';
  jti: string;
}

export function tokenResponseBody(
  token: IssuedToken,
  format: EmulatorResponseFormat,
  omitExpiration = false,
): FandengTokenBody | Rfc6749TokenBody {
  if (format === 'rfc6749') {
    return {
      access_token: token.value,
      token_type: 'bearer',
      expires_in: token.expiresIn,
      scope: 'ALL',
      jti: token.jti,
    };
  }
  // Key order follows the platform's sample answer.
  return {
    additionalInformation: { jti: token.jti },
    ...(omitExpiration ? {} : { expiration: Math.round(token.expiresAt) }),
    expired: false,
    expiresIn: token.expiresIn,
    scope: ['ALL'],
    tokenType: 'bearer',
    value: token.value,
  };
}
