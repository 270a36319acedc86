import { join } from "node:path";
import { expect } from "vitest";
import { ConfigError } from "../../src/config/config-error.js";
import { loadConfig, type LoadConfigOptions } from "../../src/config/load-config.js";
import { useTempDir, type TempDir } from "./temp-dir.js";

/**
 * Config-loading tests' shared fixture: a per-test temp dir, `configFile` to write one,
 * `load` (nothing found at the default path unless the test names a file) and `loadError`
 * (the ConfigError a load throws; fails the test if it resolves).
 */
export function useConfigLoading(): {
  dir: TempDir;
  configFile: (text: string, name?: string) => Promise<string>;
  load: (options?: Partial<LoadConfigOptions>) => ReturnType<typeof loadConfig>;
  loadError: (options: Partial<LoadConfigOptions>) => Promise<ConfigError>;
} {
  const dir = useTempDir("fanout-config-");
  const load = (options: Partial<LoadConfigOptions> = {}) =>
    loadConfig({ env: {}, defaultPath: join(dir.path, "absent.yaml"), ...options });
  return {
    dir,
    configFile: (text, name = "fanout.yaml") => dir.write(name, text),
    load,
    async loadError(options) {
      const error: unknown = await load(options).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    },
  };
}
