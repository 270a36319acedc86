/**
 * letta-fanout as a library (`import { createService } from "letta-fanout"`): build the service
 * from a config and serve it with any Node server, start the Letta simulator in tests, load and
 * validate config files, and use the wire protocol's schemas and types. Importing this module
 * starts nothing; the `letta-fanout` command is src/main.ts. The typed client is
 * `letta-fanout/client`, the React hook `letta-fanout/react`.
 *
 * @example
 * import { createLog, createService, loadConfig, startServer } from "letta-fanout";
 *
 * const { config, apiKey, authTokens } = await loadConfig({ env: process.env });
 * const log = createLog([apiKey, ...authTokens]);
 * const service = createService({ config, baseUrl: "http://localhost:8283", apiKey, authTokens, log });
 * const server = await startServer(service, { host: "127.0.0.1", port: 8787, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 });
 * process.once("SIGTERM", () => void server.stop(config.server.shutdown_grace_ms));
 */
export { createService, type Service, type ServiceOptions } from "./create-service.js";
export { startServer, type RunningServer, type ServerOptions } from "./http/start-server.js";
export { createLog, type Log } from "./log.js";
export { AppError, type ErrorBody, type ErrorDetail } from "./errors.js";
export {
  ConfigError,
  configJsonSchema,
  CONFIG_SCHEMA_ID,
  FanoutConfig,
  loadConfig,
  Panel,
  PanelAgent,
  PanelAgentById,
  PanelAgentsByTags,
  type Env,
  type FanoutConfigInput,
  type LoadConfigOptions,
  type LoadedConfig,
} from "./config/index.js";
export {
  loadSimulatorAgents,
  parseSimulatorAgents,
  SimulatorConfigError,
  startSimulator,
  type SimAgent,
  type SimAgentSpec,
  type SimFault,
  type SimFaultInput,
  type SimRecord,
  type SimScriptItem,
  type Simulator,
  type SimulatorOptions,
} from "./simulator/index.js";
export * from "./protocol/index.js";
