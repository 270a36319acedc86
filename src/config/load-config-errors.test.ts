import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useConfigLoading } from "../../test/helpers/config-loading.js";

const { dir, configFile, loadError } = useConfigLoading();

describe("loadConfig errors", () => {
  it("lists every bad field of a file in one error naming the file", async () => {
    const file = await configFile(
      [
        "server:",
        "  port: 70000",
        "  host: ''",
        "store: postgres://db",
        "compression: { gzip_level: 0 }",
        "panels:",
        "  demo:",
        "    agents:",
        "      - id: agent-1",
        "      - tags: []",
        "  Bad Name:",
        "    agents: []",
      ].join("\n"),
    );
    const error = await loadError({ path: file, env: { PORT: "nope" } });
    expect(error.code).toBe("config_invalid");
    expect(error.file).toBe(file);
    expect(error.details.map((detail) => detail.path)).toEqual([
      "server.host",
      "server.port",
      "panels.demo.agents.0.id",
      "panels.demo.agents.1.tags",
      // zod checks no value under a bad key, so the empty agents list waits for the next run.
      "panels.Bad Name",
      "store",
      "compression.gzip_level",
      "PORT",
    ]);
    expect(error.message.split("\n")).toEqual([
      `Invalid config file ${file}:`,
      "  - server.host: Too small: expected string to have >=1 characters",
      "  - server.port: Too big: expected number to be <=65535",
      "  - panels.demo.agents.0.id: must be a Letta agent id: agent-<uuid4>, e.g. agent-123e4567-e89b-42d3-8456-426614174000",
      "  - panels.demo.agents.1.tags: Too small: expected array to have >=1 items",
      "  - panels.Bad Name: must be 1-64 characters of a-z, 0-9, _ and -, starting with a letter or digit",
      '  - store: must be "memory" or a redis:// or rediss:// URL',
      "  - compression.gzip_level: Too small: expected number to be >=1",
      "  - PORT: must be an integer from 0 to 65535 (from the environment)",
    ]);
    expect(error.toBody().error.details).toEqual(error.details);
  });

  it("names an unknown key, wherever it is", async () => {
    const file = await configFile("server: { prot: 8080 }\nlimit: {}\n");
    const error = await loadError({ path: file });
    expect(error.details).toEqual([
      { path: "server.prot", message: "unknown field" },
      { path: "limit", message: "unknown field" },
    ]);
  });

  it("names the line and column of a YAML syntax error", async () => {
    const file = await configFile("server:\n  port: 8080\n  host: [127.0.0.1\nstore: memory\n");
    const error = await loadError({ path: file });
    expect(error.message).toMatch(
      new RegExp(`^Invalid config file ${file}:\\n  - YAML syntax error at line 4, column 1: `),
    );
    expect(error.details[0]?.message).toMatch(/^YAML syntax error at line \d+, column \d+: \S/);
  });

  it("rejects a file that is not a mapping", async () => {
    const error = await loadError({ path: await configFile("- just\n- a list\n") });
    expect(error.details).toEqual([{ path: "", message: "Invalid input: expected object, received array" }]);
  });

  it("fails clearly when an explicitly named file is missing", async () => {
    const missing = join(dir.path, "nope.yaml");
    const byArg = await loadError({ path: missing });
    expect(byArg.message).toBe(
      `Config file not found: ${missing}. Check the path, or leave it unset to use the shipped config/fanout.yaml.`,
    );
    const byEnv = await loadError({ env: { FANOUT_CONFIG: missing } });
    expect(byEnv.message).toContain(`Config file not found: ${missing} (named by FANOUT_CONFIG).`);
  });

  it("never puts the API key or a token in the error", async () => {
    const secrets = ["sk-live-very-secret-key", "tok-very-secret-1", "tok-in-file-secret"];
    const env = { LETTA_API_KEY: secrets[0], FANOUT_TOKENS: secrets[1], PORT: "99999" };
    const badFields = await configFile(
      `auth: { tokens: [${secrets[2]}, "has space"], tokens_env: FANOUT_TOKENS }\nserver: { port: -1 }\n`,
    );
    // A syntax error on the very line that holds a token: the yaml package would quote it.
    const badSyntax = await configFile(`auth:\n  tokens: [${secrets[2]}\nserver: {\n`, "syntax.yaml");
    for (const path of [badFields, badSyntax]) {
      const error = await loadError({ path, env });
      const visible = [error.message, JSON.stringify(error.toBody()), String(error.cause)].join("\n");
      for (const secret of secrets) expect(visible).not.toContain(secret);
    }
  });
});
