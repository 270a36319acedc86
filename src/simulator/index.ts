export {
  startSimulator,
  simulatorOptionsSchema,
  type Simulator,
  type SimulatorOptions,
} from "./start-simulator.js";
export {
  simAgentSpecSchema,
  simulatorAgentsFileSchema,
  scriptItemSchema,
  speedSchema,
  MODEL_PROVIDERS,
  type SimAgent,
  type SimAgentSpec,
  type SimScriptItem,
  type SimSpeed,
} from "./agent-spec.js";
export { simFaultSchema, type SimFault, type SimFaultInput, type SimFaultKind } from "./fault-spec.js";
export {
  loadSimulatorAgents,
  parseSimulatorAgents,
  SimulatorConfigError,
  type SimulatorConfigProblem,
} from "./load-simulator-agents.js";
export type { SimAgents } from "./agent-registry.js";
export type { SimFaults } from "./fault-registry.js";
export type {
  SimRecord,
  RecordedRequest,
  RecordedRequestKind,
  RecordedStream,
  RecordedCancel,
  RecordedRun,
  RecordedMessage,
} from "./recorder.js";
export type { SimConversation, SimConversations } from "./conversation-store.js";
export { deriveRequestToken } from "./request-token.js";
export { tokenize, MAX_TOKEN_CHARS } from "./tokenize.js";
export { generateProse } from "./generate-prose.js";
export { otidFor, isAgentId, AGENT_ID_PATTERN } from "./letta-ids.js";
export { SIMULATED_LETTA_VERSION } from "./route-request.js";
