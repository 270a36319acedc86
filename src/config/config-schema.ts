import { z } from "zod";
import { RunOptionsInput } from "../protocol/run-options.js";
import { Panel, PanelName } from "./panel-schema.js";

const DAY_MS = 86_400_000;
const GIB = 1024 ** 3;

/** A whole number in [min, max], the shape of nearly every knob below. */
const count = (min: number, max: number) => z.int().min(min).max(max);

/** Environment variable names, as a shell would accept them. */
const EnvName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name such as LETTA_API_KEY");

/** The Letta server's base URL; shared with the `LETTA_BASE_URL` override so both are checked alike. */
export const BaseUrl = z
  .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
  .meta({ pattern: "^https?://" })
  .describe("Letta server base URL, e.g. https://api.letta.com.");

/** The event store; shared with the `REDIS_URL` override. */
export const Store = z
  .union([
    z.literal("memory"),
    z
      .url({ protocol: /^rediss?$/, error: 'must be "memory" or a redis:// or rediss:// URL' })
      // z.url's protocol check does not reach the JSON Schema; the pattern lets editors flag http://.
      .meta({ pattern: "^rediss?://" }),
  ])
  .describe(
    '"memory" (one process) or a redis:// or rediss:// URL (run logs in Redis Streams, shared by instances).',
  );

/** A TCP port; 0 asks the OS for a free one (tests). */
export const Port = count(0, 65_535);

const Upstream = z
  .strictObject({
    base_url: BaseUrl.nullable()
      .default(null)
      .describe("Letta server base URL; null runs the built-in simulator. LETTA_BASE_URL overrides it."),
    api_key_env: EnvName.default("LETTA_API_KEY").describe(
      "NAME of the environment variable that holds the Letta API key. The key itself never goes in this file.",
    ),
    request_timeout_ms: count(1, DAY_MS)
      .default(60_000)
      .describe("Timeout of Letta REST calls other than streams (cancel, agent lookup by tags)."),
  })
  .describe("The Letta server that runs the agents.");

const Server = z
  .strictObject({
    host: z.string().min(1).default("127.0.0.1").describe("Interface to listen on; HOST overrides it."),
    port: Port.default(8787).describe("TCP port to listen on; PORT overrides it."),
    shutdown_grace_ms: count(0, DAY_MS)
      .default(10_000)
      .describe("On SIGTERM, how long running streams may finish before they are closed."),
    headers_timeout_ms: count(100, 600_000)
      .default(10_000)
      .describe("How long a client may take to send a request's headers before it gets 408."),
    request_timeout_ms: count(100, 3_600_000)
      .default(30_000)
      .describe(
        "How long a client may take to send a whole request (headers and body) before it gets 408. " +
          "Responses are not bounded: event streams and WebSockets run as long as they need.",
      ),
  })
  .check((ctx) => {
    // Node refuses a headers timeout longer than the request timeout that contains it.
    if (ctx.value.headers_timeout_ms > ctx.value.request_timeout_ms) {
      ctx.issues.push({
        code: "custom",
        path: ["headers_timeout_ms"],
        message: `must not exceed request_timeout_ms (${ctx.value.request_timeout_ms})`,
        input: ctx.value.headers_timeout_ms,
      });
    }
  })
  .describe("The HTTP server.");

const Auth = z
  .strictObject({
    tokens: z
      // A token is sent as `Authorization: Bearer <token>`, so whitespace could never match.
      .array(z.string().regex(/^\S+$/, "must be non-empty and contain no whitespace"))
      .default([])
      .describe(
        "Bearer tokens accepted on /v1 routes. Prefer tokens_env, which keeps them out of this file.",
      ),
    tokens_env: EnvName.optional().describe(
      "NAME of an environment variable holding comma-separated bearer tokens, added to `tokens`.",
    ),
  })
  .describe("Bearer-token auth for /v1 routes; with no tokens at all, auth is off.");

const Cors = z
  .strictObject({
    origins: z
      .array(
        z.union([z.literal("*"), z.url({ error: 'must be "*" or an origin such as https://example.com' })]),
      )
      .default([])
      .describe(
        'Origins allowed by CORS, e.g. https://dash.example.com; "*" allows any; empty disables CORS.',
      ),
  })
  .describe("Cross-origin access for browser dashboards on other origins.");

const Limits = z
  .strictObject({
    max_body_bytes: count(1, GIB)
      .default(1_048_576)
      .describe("Largest accepted request body (413 above it)."),
    max_agents_per_run: count(1, 10_000).default(100).describe("Most agents one run may fan out to."),
    max_upstream_event_bytes: count(1024, GIB)
      .default(1_048_576)
      .describe("Largest single upstream SSE event; a bigger one fails that agent stream."),
    max_active_runs: count(1, 1_000_000)
      .default(1000)
      .describe("Runs in progress at once (503 overloaded above it)."),
    max_readers: count(1, 10_000_000).default(10_000).describe("Open SSE and WebSocket readers per process."),
    max_runs_per_minute: count(0, 1_000_000)
      .default(0)
      .describe(
        "Runs one client (its bearer token, else its IP address) may start per minute; 0 = no limit.",
      ),
  })
  .describe("Hard limits that protect the process.");

const Retention = z
  .strictObject({
    run_ttl_s: count(1, 30 * 86_400)
      .default(3600)
      .describe("How long a run and its log are kept after it ends."),
    max_events_per_run: count(1, 100_000_000)
      .default(100_000)
      .describe("Events kept per run log (oldest dropped)."),
    max_firehose_events: count(1, 100_000_000)
      .default(100_000)
      .describe("Events kept for resuming GET /v1/events (oldest dropped)."),
    max_runs: count(1, 100_000_000).default(10_000).describe("Ended runs kept (oldest dropped first)."),
  })
  .describe("How much history is kept for readers that arrive late or resume.");

const Redis = z
  .strictObject({
    key_prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]*$/, "must be letters, digits, _ . : or -")
      .default("fanout:")
      .describe("Every key this service writes in Redis starts with it, so deployments can share one Redis."),
    lease_ms: count(1_000, 600_000)
      .default(10_000)
      .describe(
        "How long an instance holds a run without renewing; after it, another instance takes the run over.",
      ),
    renew_ms: count(100, 300_000)
      .default(3_000)
      .describe("How often an instance renews its leases and looks for runs to take over."),
    max_backlog_events: count(1, 100_000_000)
      .default(100_000)
      .describe(
        "Events an instance holds for Redis while it is unreachable; past it, the instance ends its runs failed (internal).",
      ),
  })
  .check((ctx) => {
    if (ctx.value.renew_ms * 2 > ctx.value.lease_ms) {
      ctx.issues.push({
        code: "custom",
        path: ["renew_ms"],
        message: `must be at most half of lease_ms (${ctx.value.lease_ms}), so one late renewal loses no lease`,
        input: ctx.value.renew_ms,
      });
    }
  })
  .describe("The Redis store (store: redis://…): key prefix, and the run leases of failover.");

const Compression = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe("Compress SSE bodies when the client offers br, gzip or deflate."),
    gzip_level: count(1, 9)
      .default(1)
      .describe("gzip/deflate level: 1 is cheapest and enough for text events."),
    brotli_quality: count(0, 11).default(4).describe("Brotli quality; above 4 costs much more CPU per byte."),
    max_compressed_readers: count(0, 1_000_000)
      .default(256)
      .describe("Compressed readers per process; past it a reader gets identity encoding."),
  })
  .describe("Transport compression of event streams.");

const Sse = z
  .strictObject({
    ping_interval_ms: count(1000, 3_600_000)
      .default(15_000)
      .describe("A `: ping` comment after this much silence keeps proxies from closing the stream."),
    retry_ms: count(0, 3_600_000)
      .default(2000)
      .describe("The `retry:` hint sent with shutting_down, so EventSource clients reconnect soon."),
  })
  .describe("Server-sent events framing.");

const Simulator = z
  .strictObject({
    agents_file: z
      .string()
      .min(1)
      .default("simulator.yaml")
      .describe("The simulator's scripted agents, relative to this config file's folder."),
    ping_interval_ms: count(1, 3_600_000)
      .default(20_000)
      .describe("How often the simulator pings idle streams."),
    run_ttl_s: count(1, 10_800)
      .default(600)
      .describe(
        "How long a background run stays resumable in the simulator (Letta keeps 3 h; a demo needs minutes).",
      ),
    max_run_logs: count(1, 100_000)
      .default(200)
      .describe("Finished background runs whose chunk logs the simulator keeps; older ones are freed first."),
  })
  .describe("The built-in Letta simulator, used when no upstream base_url is configured.");

/**
 * The config file (API.md §6) with every default filled in. Strict everywhere so that a typo is
 * an error naming the key rather than a silently ignored setting. Nested objects use
 * `.prefault({})` so their own field defaults apply when the section is absent (zod 4's
 * `.default()` would return `{}` without parsing it).
 */
export const FanoutConfig = z
  .strictObject({
    upstream: Upstream.prefault({}),
    server: Server.prefault({}),
    defaults: RunOptionsInput.prefault({}).describe(
      "RunOptions (and agent_defaults) for every run, under the panel's and the request's.",
    ),
    panels: z
      .record(PanelName, Panel)
      .prefault({})
      .describe("Named sets of agents: POST /v1/panels/{name}/runs."),
    store: Store.default("memory"),
    redis: Redis.prefault({}),
    auth: Auth.prefault({}),
    cors: Cors.prefault({}),
    limits: Limits.prefault({}),
    retention: Retention.prefault({}),
    compression: Compression.prefault({}),
    sse: Sse.prefault({}),
    simulator: Simulator.prefault({}),
  })
  .check((ctx) => {
    // A panel whose named agents exceed the per-run limit could never run: say so at start.
    const limit = ctx.value.limits.max_agents_per_run;
    for (const [name, panel] of Object.entries(ctx.value.panels)) {
      const named = panel.agents.filter((agent) => "id" in agent).length;
      if (named > limit) {
        ctx.issues.push({
          code: "custom",
          path: ["panels", name, "agents"],
          message: `names ${named} agents, more than limits.max_agents_per_run (${limit})`,
          input: panel.agents,
        });
      }
    }
  })
  .describe("letta-fanout configuration (config/fanout.yaml).");

/** The parsed config: every field present, defaults applied. */
export type FanoutConfig = z.infer<typeof FanoutConfig>;

/** The config as a file may spell it: every section and most fields optional. */
export type FanoutConfigInput = z.input<typeof FanoutConfig>;
