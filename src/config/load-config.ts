import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { configDetails } from "./config-details.js";
import { ConfigError } from "./config-error.js";
import { FanoutConfig } from "./config-schema.js";
import { applyEnvOverrides, envValue, readEnvOverrides, type Env } from "./env-overrides.js";
import { packageRoot } from "./package-root.js";
import { readConfigFile, type ConfigSource } from "./read-config-file.js";
import { resolveSecrets } from "./resolve-secrets.js";

/** Everything the service needs from its config file and environment, parsed once at start. */
export interface LoadedConfig {
  /**
   * The validated config with environment overrides applied. `simulator.agents_file` is an
   * absolute path here (resolved against the config file's folder). Do not log it whole: `store`
   * and `upstream.base_url` may be URLs with a password in them.
   */
  config: FanoutConfig;
  /** Absolute path of the file read, or null when none was (built-in defaults). */
  path: string | null;
  /** The Letta API key from the environment, or null. Never log it. */
  apiKey: string | null;
  /** Accepted bearer tokens; empty means auth is off. Never log them. */
  authTokens: string[];
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** The config file; relative paths resolve against the working directory. Must exist. */
  path?: string | undefined;
  /** The environment (`process.env` in main.ts); nothing here reads `process.env` itself. */
  env: Env;
  /**
   * Where to look when neither `path` nor `FANOUT_CONFIG` names a file; it may be missing, and
   * then the built-in defaults apply. Defaults to the package's `config/fanout.yaml`.
   */
  defaultPath?: string | undefined;
}

/**
 * Loads the config (API.md §6): the file from `path`, else `FANOUT_CONFIG`, else the package's
 * `config/fanout.yaml`; then validates it and applies `LETTA_BASE_URL`, `HOST`, `PORT` and
 * `REDIS_URL`, and looks up the API key and auth tokens. A file the user named must exist; the
 * default one may be absent.
 *
 * @throws ConfigError naming the file and every bad field (file and environment together), so
 *   one run of the service shows everything there is to fix.
 * @example const { config, apiKey } = await loadConfig({ env: process.env });
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const { file, source } = locate(options);
  const shownAs = showPath(file);
  const raw = await readConfigFile(file, shownAs, source);
  const path = raw === undefined ? null : file;
  const errorFile = path === null ? null : shownAs;

  const input = raw ?? {};
  const parsed = FanoutConfig.safeParse(input);
  const { overrides, details: envDetails } = readEnvOverrides(options.env);
  if (!parsed.success)
    throw new ConfigError(errorFile, [...configDetails(parsed.error, input), ...envDetails]);
  if (envDetails.length > 0) throw new ConfigError(errorFile, envDetails);

  const config = applyEnvOverrides(parsed.data, overrides);
  const { secrets, details: secretDetails } = resolveSecrets(config, options.env);
  if (secretDetails.length > 0) throw new ConfigError(errorFile, secretDetails);

  // The simulator's file sits beside the config that names it; with no file read, beside the
  // default config, so the shipped config/simulator.yaml is found either way.
  config.simulator = {
    ...config.simulator,
    agents_file: resolve(dirname(file), config.simulator.agents_file),
  };
  return { config, path, ...secrets };
}

function locate(options: LoadConfigOptions): { file: string; source: ConfigSource } {
  if (options.path !== undefined) return { file: resolve(options.path), source: "argument" };
  const fromEnv = envValue(options.env, "FANOUT_CONFIG");
  if (fromEnv !== undefined) return { file: resolve(fromEnv), source: "FANOUT_CONFIG" };
  return { file: options.defaultPath ?? join(packageRoot(), "config", "fanout.yaml"), source: "default" };
}

/** The path as a user would type it: relative to the working directory when inside it. */
function showPath(file: string): string {
  const fromCwd = relative(process.cwd(), file);
  return fromCwd !== "" && !fromCwd.startsWith("..") && !isAbsolute(fromCwd) ? fromCwd : file;
}
