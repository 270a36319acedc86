import type { ErrorDetail } from "../errors.js";
import { BaseUrl, Port, Store, type FanoutConfig } from "./config-schema.js";

/** The process environment, or a test's stand-in for it. */
export type Env = Record<string, string | undefined>;

/** The settings the environment may override (API.md §6), already validated. */
export interface EnvOverrides {
  /** `LETTA_BASE_URL` → `upstream.base_url`. */
  base_url?: string;
  /** `HOST` → `server.host`. */
  host?: string;
  /** `PORT` → `server.port`. */
  port?: number;
  /** `REDIS_URL` → `store`. */
  store?: string;
}

/**
 * Reads and validates the overriding variables. Each is checked with the schema of the field it
 * replaces, so an override can never hold what the file could not; a bad one becomes a detail
 * whose path is the variable's name. Messages never repeat the value: a URL may carry a password.
 * An empty variable counts as unset, as shells and `.env` files often leave them.
 */
export function readEnvOverrides(env: Env): { overrides: EnvOverrides; details: ErrorDetail[] } {
  const overrides: EnvOverrides = {};
  const details: ErrorDetail[] = [];
  const bad = (name: string, message: string) =>
    details.push({ path: name, message: `${message} (from the environment)` });

  const baseUrl = envValue(env, "LETTA_BASE_URL");
  if (baseUrl !== undefined) {
    if (BaseUrl.safeParse(baseUrl).success) overrides.base_url = baseUrl;
    else bad("LETTA_BASE_URL", "must be an http:// or https:// URL");
  }

  const host = envValue(env, "HOST");
  if (host !== undefined) overrides.host = host;

  const port = envValue(env, "PORT");
  if (port !== undefined) {
    // Number() alone would accept "0x50", "1e3" and " 80 "; only plain digits are a port.
    const parsed = Port.safeParse(/^\d{1,5}$/.test(port) ? Number(port) : Number.NaN);
    if (parsed.success) overrides.port = parsed.data;
    else bad("PORT", "must be an integer from 0 to 65535");
  }

  const redisUrl = envValue(env, "REDIS_URL");
  if (redisUrl !== undefined) {
    if (Store.safeParse(redisUrl).success) overrides.store = redisUrl;
    else bad("REDIS_URL", "must be a redis:// or rediss:// URL");
  }

  return { overrides, details };
}

/** The config with the overrides applied; the input is left as it was. */
export function applyEnvOverrides(config: FanoutConfig, overrides: EnvOverrides): FanoutConfig {
  return {
    ...config,
    upstream: {
      ...config.upstream,
      ...(overrides.base_url === undefined ? {} : { base_url: overrides.base_url }),
    },
    server: {
      ...config.server,
      ...(overrides.host === undefined ? {} : { host: overrides.host }),
      ...(overrides.port === undefined ? {} : { port: overrides.port }),
    },
    store: overrides.store ?? config.store,
  };
}

/** A variable's value without surrounding whitespace, or undefined when unset or blank. */
export function envValue(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}
