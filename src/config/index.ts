export { ConfigError } from "./config-error.js";
export { CONFIG_SCHEMA_ID, configJsonSchema } from "./config-json-schema.js";
export { FanoutConfig, type FanoutConfigInput } from "./config-schema.js";
export type { Env, EnvOverrides } from "./env-overrides.js";
export { loadConfig, type LoadConfigOptions, type LoadedConfig } from "./load-config.js";
export { packageRoot } from "./package-root.js";
export { Panel, PanelAgent, PanelAgentById, PanelAgentsByTags, PANEL_NAME_PATTERN } from "./panel-schema.js";
export type { Secrets } from "./resolve-secrets.js";
