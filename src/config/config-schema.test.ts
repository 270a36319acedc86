import { describe, expect, it } from "vitest";
import { configDetails } from "./config-details.js";
import { FanoutConfig, type FanoutConfigInput } from "./config-schema.js";

const ANALYST = "agent-0b1a6f8e-3c2d-4e5f-8a9b-1c2d3e4f5a6b";
const POET = "agent-1c2b7e9f-4d3e-4f60-9bac-2d3e4f5a6b7c";

/** The `{ path, message }` details of parsing `input`, or [] when it is valid. */
function problems(input: unknown) {
  const result = FanoutConfig.safeParse(input);
  return result.success ? [] : configDetails(result.error, input);
}

describe("FanoutConfig", () => {
  it("accepts agents by id and by tags, with per-agent and per-panel options", () => {
    const input: FanoutConfigInput = {
      panels: {
        mixed_1: {
          options: { max_concurrency: 2, agent_defaults: { raw: true } },
          agents: [
            { id: ANALYST, label: "Analyst", options: { retry: { max_attempts: 5 } } },
            { tags: ["demo", "fast"], match_all_tags: true, options: { stream_tokens: false } },
          ],
        },
      },
    };
    const config = FanoutConfig.parse(input);
    expect(config.panels.mixed_1?.agents).toEqual([
      { id: ANALYST, label: "Analyst", options: { retry: { max_attempts: 5 } } },
      { tags: ["demo", "fast"], match_all_tags: true, options: { stream_tokens: false } },
    ]);
  });

  it("rejects a headers timeout longer than the request timeout that contains it", () => {
    expect(problems({ server: { headers_timeout_ms: 20_000, request_timeout_ms: 5_000 } })).toEqual([
      { path: "server.headers_timeout_ms", message: "must not exceed request_timeout_ms (5000)" },
    ]);
  });

  it("rejects the same agent id twice in one panel, at the repeat", () => {
    const agents = [{ id: ANALYST }, { id: POET }, { id: ANALYST, label: "again" }];
    expect(problems({ panels: { duo: { agents } } })).toEqual([
      { path: "panels.duo.agents.2.id", message: "repeats an agent already in this panel" },
    ]);
  });

  it("allows one agent in two different panels", () => {
    expect(
      problems({ panels: { a: { agents: [{ id: ANALYST }] }, b: { agents: [{ id: ANALYST }] } } }),
    ).toEqual([]);
  });

  it("explains the two agent forms when an entry is neither or both", () => {
    const message = "must be either { id, label?, options? } or { tags, match_all_tags?, options? }";
    const agents = [{ id: ANALYST, tags: ["demo"] }, ANALYST, {}];
    expect(problems({ panels: { p: { agents } } })).toEqual([
      { path: "panels.p.agents.0", message },
      { path: "panels.p.agents.1", message },
      { path: "panels.p.agents.2", message },
    ]);
  });

  it("reports the issues of the form an entry was written in, at their own paths", () => {
    const agents = [{ id: "agent-1", options: { raw: "yes" } }];
    expect(problems({ panels: { p: { agents } } }).map((problem) => problem.path)).toEqual([
      "panels.p.agents.0.id",
      "panels.p.agents.0.options.raw",
    ]);
  });

  it("reports an unknown key inside an agent entry at its own path", () => {
    expect(problems({ panels: { p: { agents: [{ id: ANALYST, lable: "x" }] } } })).toEqual([
      { path: "panels.p.agents.0.lable", message: "unknown field" },
    ]);
  });

  it("checks agent options with the API's own AgentOptions schema", () => {
    const agents = [{ tags: ["demo"], options: { retry: { max_attempts: 0 }, include: ["speech"] } }];
    expect(problems({ panels: { p: { agents } } }).map((problem) => problem.path)).toEqual([
      "panels.p.agents.0.options.include.0",
      "panels.p.agents.0.options.retry.max_attempts",
    ]);
  });

  it("rejects a panel that names more agents than limits.max_agents_per_run", () => {
    const input = {
      limits: { max_agents_per_run: 1 },
      panels: { duo: { agents: [{ id: ANALYST }, { id: POET }] } },
    };
    expect(problems(input)).toEqual([
      { path: "panels.duo.agents", message: "names 2 agents, more than limits.max_agents_per_run (1)" },
    ]);
  });

  it.each(["memory", "redis://localhost:6379", "rediss://user:pw@cache:6380/1"])(
    "accepts store %s",
    (store) => {
      expect(problems({ store })).toEqual([]);
    },
  );

  it.each(["redis", "http://cache:6379", ""])("rejects store %j", (store) => {
    expect(problems({ store })).toEqual([
      { path: "store", message: 'must be "memory" or a redis:// or rediss:// URL' },
    ]);
  });

  it('accepts cors origins and "*", and rejects a bare host', () => {
    expect(problems({ cors: { origins: ["*", "https://dash.example.com"] } })).toEqual([]);
    expect(problems({ cors: { origins: ["dash.example.com"] } })).toEqual([
      { path: "cors.origins.0", message: 'must be "*" or an origin such as https://example.com' },
    ]);
  });

  it("keeps defaults of a section that is only partly given", () => {
    const config = FanoutConfig.parse({
      compression: { enabled: false },
      upstream: { base_url: "https://x.test" },
    });
    expect(config.compression).toEqual({
      enabled: false,
      gzip_level: 1,
      brotli_quality: 4,
      max_compressed_readers: 256,
    });
    expect(config.upstream).toEqual({
      base_url: "https://x.test",
      api_key_env: "LETTA_API_KEY",
      request_timeout_ms: 60_000,
    });
  });
});
