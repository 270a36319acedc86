export * from "./agent-options.js";
export * from "./events.js";
export * from "./run-options.js";
export * from "./run-request.js";
export * from "./run-snapshot.js";
export * from "./run-summary.js";
export * from "./zod-details.js";
export * from "./ws-frames.js";
