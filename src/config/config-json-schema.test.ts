import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { CONFIG_SCHEMA_ID, configJsonSchema } from "./config-json-schema.js";
import { packageRoot } from "./package-root.js";

const CONFIG_DIR = join(packageRoot(), "config");

/** A validator for the committed schema, as an editor would use it. */
async function committedValidator() {
  const schema = JSON.parse(await readFile(join(CONFIG_DIR, "fanout.schema.json"), "utf8")) as object;
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  // ajv-formats is CommonJS; under NodeNext its plugin is the module's `default` property.
  formats.default(ajv);
  return ajv.compile(schema);
}

describe("configJsonSchema", () => {
  it("matches the committed config/fanout.schema.json (run npm run config:schema after a change)", async () => {
    const committed: unknown = JSON.parse(await readFile(join(CONFIG_DIR, "fanout.schema.json"), "utf8"));
    expect(committed).toEqual(configJsonSchema());
  });

  it("is a draft 2020-12 schema with an id and a title", () => {
    expect(configJsonSchema()).toMatchObject({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      $id: CONFIG_SCHEMA_ID,
      title: "letta-fanout config",
      additionalProperties: false,
    });
  });

  it("does not require fields that have defaults", () => {
    expect(configJsonSchema()).not.toHaveProperty("required");
  });

  it("accepts the shipped config/fanout.yaml", async () => {
    const validate = await committedValidator();
    const shipped: unknown = parse(await readFile(join(CONFIG_DIR, "fanout.yaml"), "utf8"));
    expect(validate(shipped), JSON.stringify(validate.errors)).toBe(true);
  });

  it("rejects a typo'd key, pointing at it", async () => {
    const validate = await committedValidator();
    expect(validate({ server: { prot: 8080 } })).toBe(false);
    expect(validate.errors).toContainEqual(
      expect.objectContaining({
        instancePath: "/server",
        keyword: "additionalProperties",
        params: { additionalProperty: "prot" },
      }),
    );
  });

  it("flags wrong URL schemes and bad panel names for the editor too", async () => {
    const validate = await committedValidator();
    expect(validate({ store: "http://cache:6379" })).toBe(false);
    expect(validate({ upstream: { base_url: "ftp://letta" } })).toBe(false);
    expect(validate({ panels: { "Bad Name": { agents: [{ tags: ["demo"] }] } } })).toBe(false);
    expect(validate({ panels: { ok: { agents: [{ id: "agent-1" }] } } })).toBe(false);
  });
});
