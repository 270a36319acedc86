/**
 * Script entry (no exports): writes `config/fanout.schema.json` from the zod schema. Run it after
 * changing the config schema with `npm run config:schema`; config-json-schema.test.ts fails while
 * the committed file is stale.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { configJsonSchema } from "./config-json-schema.js";
import { packageRoot } from "./package-root.js";

const file = join(packageRoot(), "config", "fanout.schema.json");
await writeFile(file, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log(`Wrote ${file}`);
