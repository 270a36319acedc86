import { z } from "zod";
import { FanoutConfig } from "./config-schema.js";

/** The `$id` of the published schema: a URN, since the schema is shipped as a file, not hosted. */
export const CONFIG_SCHEMA_ID = "urn:letta-fanout:config:v1";

/**
 * The JSON Schema (draft 2020-12) of the config file, for editors: `config/fanout.yaml` points
 * at the generated `config/fanout.schema.json` with a yaml-language-server comment. It describes
 * the input side, where defaulted fields are optional. Cross-field rules (no agent twice in a
 * panel, the per-run agent limit) and URL schemes beyond a pattern are only checked at start.
 *
 * @example JSON.stringify(configJsonSchema(), null, 2)
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(FanoutConfig, { io: "input", target: "draft-2020-12" });
  const { $schema, ...rest } = schema;
  return { $schema, $id: CONFIG_SCHEMA_ID, title: "letta-fanout config", ...rest };
}
