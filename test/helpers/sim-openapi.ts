import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/**
 * Where Letta's OpenAPI spec is: `LETTA_OPENAPI_SPEC`, else `../shared/letta-openapi.json` beside
 * the repository; undefined when neither exists (the conformance tests then skip and say why).
 */
export function lettaSpecPath(): string | undefined {
  const fromEnv = process.env["LETTA_OPENAPI_SPEC"];
  if (fromEnv !== undefined && fromEnv !== "") return existsSync(fromEnv) ? fromEnv : undefined;
  const shared = fileURLToPath(new URL("../../../shared/letta-openapi.json", import.meta.url));
  return existsSync(shared) ? shared : undefined;
}

const SPEC_ID = "https://letta.invalid/openapi.json";

/** Validators for component schemas of Letta's spec, compiled on demand. */
export class LettaSchemas {
  private readonly ajv: Ajv2020;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(specPath: string) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    const spec = JSON.parse(readFileSync(specPath, "utf8")) as Record<string, unknown>;
    this.ajv.addSchema({ ...spec, $id: SPEC_ID });
  }

  /** The errors of `value` against `#/components/schemas/<name>` (empty when valid). */
  errors(name: string, value: unknown): string[] {
    let validate = this.cache.get(name);
    if (validate === undefined) {
      validate = this.ajv.compile({ $ref: `${SPEC_ID}#/components/schemas/${name}` });
      this.cache.set(name, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (error) => `${name}${error.instancePath} ${error.message ?? ""} ${JSON.stringify(error.params)}`,
    );
  }
}
