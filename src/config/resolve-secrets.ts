import type { ErrorDetail } from "../errors.js";
import type { FanoutConfig } from "./config-schema.js";
import { envValue, type Env } from "./env-overrides.js";

/** The secrets a config refers to by environment variable name. */
export interface Secrets {
  /** The Letta API key, or null when none is set (a local Letta server needs none). */
  apiKey: string | null;
  /** Every accepted bearer token, without duplicates; empty means auth is off. */
  authTokens: string[];
}

/**
 * Looks up the secrets the config names. The API key comes from the variable named by
 * `upstream.api_key_env`, falling back to `LETTA_API_KEY` (the name the Letta SDK reads) when
 * that one is unset. Tokens are `auth.tokens` plus the comma-separated list in `auth.tokens_env`.
 *
 * A `tokens_env` that names an unset variable is an error rather than "no extra tokens": if it
 * were the only source of tokens, the service would silently start with auth off.
 */
export function resolveSecrets(config: FanoutConfig, env: Env): { secrets: Secrets; details: ErrorDetail[] } {
  const details: ErrorDetail[] = [];
  const apiKey = envValue(env, config.upstream.api_key_env) ?? envValue(env, "LETTA_API_KEY") ?? null;

  const tokens = new Set(config.auth.tokens);
  const tokensEnv = config.auth.tokens_env;
  if (tokensEnv !== undefined) {
    const list = envValue(env, tokensEnv);
    if (list === undefined) {
      details.push({
        path: "auth.tokens_env",
        message: `names ${tokensEnv}, which is not set; set it to comma-separated tokens, or remove tokens_env`,
      });
    } else {
      for (const token of list.split(",")) {
        const trimmed = token.trim();
        if (trimmed === "") continue;
        // Same rule as auth.tokens; the message names the variable, never the token.
        if (/\s/.test(trimmed)) details.push({ path: tokensEnv, message: "a token contains whitespace" });
        else tokens.add(trimmed);
      }
    }
  }
  return { secrets: { apiKey, authTokens: [...tokens] }, details };
}
