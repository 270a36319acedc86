/** Replaces secrets in a text; the same function wherever text can carry one. */
export type Scrub = (text: string) => string;

export const REDACTED = "[redacted]";

/** Shorter values are not treated as secrets: replacing them would mangle ordinary text. */
const MIN_SECRET_LENGTH = 4;

/**
 * A bearer credential as it appears in a header or in text quoting one (RFC 6750 §2.1 b64token),
 * at least 8 characters long so that prose ("a Bearer of news") is left alone.
 */
const BEARER = /\b(Bearer)(\s+)[A-Za-z0-9\-._~+/]{8,}=*/gi;

/**
 * Builds the scrubber for the service's secrets (the Letta API key, the access tokens): each is
 * replaced as written, JSON-escaped and URL-encoded, and so is anything shaped like
 * `Bearer <credential>`, whoever's it is.
 *
 * @example
 *   const scrub = createScrubber([apiKey, ...authTokens]);
 *   scrub(`401 {"detail":"bad key Bearer ${apiKey}"}`); // → '401 {"detail":"bad key Bearer [redacted]"}'
 */
export function createScrubber(secrets: readonly (string | null | undefined)[]): Scrub {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
    forms.add(encodeURIComponent(secret));
  }
  // Longest first, so that a form containing another is replaced whole.
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text.replace(BEARER, `$1$2${REDACTED}`);
    for (const form of ordered) if (out.includes(form)) out = out.split(form).join(REDACTED);
    return out;
  };
}
