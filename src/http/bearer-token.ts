/**
 * The token of an `Authorization: Bearer <token>` header, or undefined when the header holds no
 * bearer credential. The scheme is case-insensitive (RFC 9110 §11.1) and spaces or tabs around
 * and after it are tolerated; a token never contains whitespace (the config refuses such
 * tokens), so `Bearer a b` holds none. Auth and the rate limiter both read the header through
 * this one function, so they can never disagree about who a client is.
 *
 * @example bearerToken("bearer   tok-1 ") // "tok-1"
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  return BEARER.exec(authorization)?.[1];
}

const BEARER = /^[ \t]*bearer[ \t]+(\S+)[ \t]*$/i;
