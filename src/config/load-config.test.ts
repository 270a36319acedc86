import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useConfigLoading } from "../../test/helpers/config-loading.js";
import { FanoutConfig } from "./config-schema.js";
import { loadConfig } from "./load-config.js";
import { packageRoot } from "./package-root.js";

const ANALYST = "agent-0b1a6f8e-3c2d-4e5f-8a9b-1c2d3e4f5a6b";
const POET = "agent-1c2b7e9f-4d3e-4f60-9bac-2d3e4f5a6b7c";
const SHIPPED = join(packageRoot(), "config", "fanout.yaml");

const { dir, configFile, load, loadError } = useConfigLoading();

describe("loadConfig", () => {
  it("uses the built-in defaults when the default file is absent", async () => {
    const loaded = await load();
    expect(loaded.path).toBeNull();
    expect(loaded.apiKey).toBeNull();
    expect(loaded.authTokens).toEqual([]);
    expect(loaded.config).toEqual({
      upstream: { base_url: null, api_key_env: "LETTA_API_KEY", request_timeout_ms: 60_000 },
      server: {
        host: "127.0.0.1",
        port: 8787,
        shutdown_grace_ms: 10_000,
        headers_timeout_ms: 10_000,
        request_timeout_ms: 30_000,
      },
      defaults: {},
      panels: {},
      store: "memory",
      auth: { tokens: [] },
      cors: { origins: [] },
      limits: {
        max_body_bytes: 1_048_576,
        max_agents_per_run: 100,
        max_upstream_event_bytes: 1_048_576,
        max_active_runs: 1000,
        max_readers: 10_000,
        max_runs_per_minute: 0,
      },
      retention: {
        run_ttl_s: 3600,
        max_events_per_run: 100_000,
        max_firehose_events: 100_000,
        max_runs: 10_000,
      },
      redis: { key_prefix: "fanout:", lease_ms: 10_000, renew_ms: 3_000, max_backlog_events: 100_000 },
      compression: { enabled: true, gzip_level: 1, brotli_quality: 4, max_compressed_readers: 256 },
      sse: { ping_interval_ms: 15_000, retry_ms: 2000 },
      // Beside the default config, even though that file does not exist.
      simulator: {
        agents_file: join(dir.path, "simulator.yaml"),
        ping_interval_ms: 20_000,
        run_ttl_s: 600,
        max_run_logs: 200,
      },
    });
  });

  it("loads the shipped config/fanout.yaml by default, with the demo and duo panels", async () => {
    const loaded = await loadConfig({ env: {} });
    expect(loaded.path).toBe(SHIPPED);
    expect(loaded.config.upstream.base_url).toBeNull();
    expect(loaded.config.panels).toEqual({
      demo: {
        description: "A demo panel of the simulator's agents",
        agents: [{ tags: ["demo"], match_all_tags: false }],
      },
      duo: {
        description: "Two of the simulator's demo agents, named by id",
        agents: [
          { id: ANALYST, label: "Analyst" },
          { id: POET, label: "Poet" },
        ],
      },
    });
    expect(loaded.config.simulator.agents_file).toBe(join(packageRoot(), "config", "simulator.yaml"));
  });

  it("ships only built-in defaults outside panels, so the file cannot drift from the schema", async () => {
    const { config } = await loadConfig({ env: {}, path: SHIPPED });
    const builtIn = FanoutConfig.parse({ panels: config.panels });
    expect({ ...config, simulator: builtIn.simulator }).toEqual(builtIn);
  });

  it("reads the file named by FANOUT_CONFIG, and the path argument over it", async () => {
    const viaEnv = await configFile("server: { port: 1111 }\n", "env.yaml");
    const viaArg = await configFile("server: { port: 2222 }\n", "arg.yaml");
    expect((await load({ env: { FANOUT_CONFIG: viaEnv } })).config.server.port).toBe(1111);
    const loaded = await load({ env: { FANOUT_CONFIG: viaEnv }, path: viaArg });
    expect(loaded.config.server.port).toBe(2222);
    expect(loaded.path).toBe(viaArg);
  });

  it("treats an empty file as all defaults", async () => {
    const loaded = await load({ path: await configFile("# nothing yet\n") });
    expect(loaded.config).toEqual((await load()).config);
  });

  it("resolves simulator.agents_file against the config file's folder", async () => {
    const file = await configFile("simulator: { agents_file: sims/agents.yaml }\n");
    expect((await load({ path: file })).config.simulator.agents_file).toBe(
      join(dir.path, "sims", "agents.yaml"),
    );
  });

  it("applies LETTA_BASE_URL, HOST, PORT and REDIS_URL over the file", async () => {
    const file = await configFile(
      "upstream: { base_url: https://letta.internal }\nserver: { host: 0.0.0.0, port: 9000 }\nstore: memory\n",
    );
    const { config } = await load({
      path: file,
      env: {
        LETTA_BASE_URL: "http://localhost:8283",
        HOST: "::",
        PORT: "0",
        REDIS_URL: "rediss://:pw@cache.example.com:6380/2",
      },
    });
    expect(config.upstream.base_url).toBe("http://localhost:8283");
    expect(config.server).toEqual({
      host: "::",
      port: 0,
      shutdown_grace_ms: 10_000,
      headers_timeout_ms: 10_000,
      request_timeout_ms: 30_000,
    });
    expect(config.store).toBe("rediss://:pw@cache.example.com:6380/2");
  });

  it("ignores blank environment variables", async () => {
    const { config } = await load({ env: { PORT: "", HOST: "  ", LETTA_BASE_URL: "" } });
    expect(config.server.port).toBe(8787);
    expect(config.server.host).toBe("127.0.0.1");
    expect(config.upstream.base_url).toBeNull();
  });

  it.each(["65536", "-1", "80.5", "0x50", "http", "1e3"])("rejects PORT=%s naming PORT", async (port) => {
    const error = await loadError({ env: { PORT: port } });
    expect(error.details).toEqual([
      { path: "PORT", message: "must be an integer from 0 to 65535 (from the environment)" },
    ]);
    expect(error.message).toContain("PORT: must be an integer from 0 to 65535");
  });

  it("rejects a LETTA_BASE_URL or REDIS_URL of the wrong scheme, naming each", async () => {
    const error = await loadError({ env: { LETTA_BASE_URL: "ftp://x", REDIS_URL: "http://cache:6379" } });
    expect(error.details.map((detail) => detail.path)).toEqual(["LETTA_BASE_URL", "REDIS_URL"]);
  });

  it("reads the API key from the variable named by upstream.api_key_env", async () => {
    const file = await configFile("upstream: { api_key_env: MY_LETTA_KEY }\n");
    const env = { MY_LETTA_KEY: "sk-custom", LETTA_API_KEY: "sk-default" };
    expect((await load({ path: file, env })).apiKey).toBe("sk-custom");
    // Falls back to LETTA_API_KEY, the SDK's own name, when the named one is unset.
    expect((await load({ path: file, env: { LETTA_API_KEY: "sk-default" } })).apiKey).toBe("sk-default");
    expect((await load({ env: { LETTA_API_KEY: "sk-default" } })).apiKey).toBe("sk-default");
  });

  it("merges auth.tokens with the comma-separated list in auth.tokens_env", async () => {
    const file = await configFile("auth: { tokens: [tok-a], tokens_env: FANOUT_TOKENS }\n");
    const loaded = await load({ path: file, env: { FANOUT_TOKENS: " tok-b, tok-a ,,tok-c" } });
    expect(loaded.authTokens).toEqual(["tok-a", "tok-b", "tok-c"]);
  });

  it("fails when auth.tokens_env names an unset variable, rather than starting without auth", async () => {
    const file = await configFile("auth: { tokens_env: FANOUT_TOKENS }\n");
    const error = await loadError({ path: file });
    expect(error.details).toEqual([
      {
        path: "auth.tokens_env",
        message:
          "names FANOUT_TOKENS, which is not set; set it to comma-separated tokens, or remove tokens_env",
      },
    ]);
  });
});
