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
    return this.check(name, `#/components/schemas/${name}`, value);
  }

  /**
   * The errors of `value` against the JSON schema an operation declares for a response, for
   * responses whose schema is inline rather than a component (e.g. `{type: object}` maps).
   *
   * @example schemas.responseErrors("/v1/conversations/{conversation_id}/cancel", "post", body)
   */
  responseErrors(path: string, method: string, value: unknown, status = "200"): string[] {
    // A JSON pointer in a URI fragment: "~" and "/" escaped, then braces percent-encoded.
    const escaped = path
      .replaceAll("~", "~0")
      .replaceAll("/", "~1")
      .replaceAll("{", "%7B")
      .replaceAll("}", "%7D");
    const pointer = `#/paths/${escaped}/${method}/responses/${status}/content/application~1json/schema`;
    return this.check(`${method.toUpperCase()} ${path}`, pointer, value);
  }

  private check(name: string, pointer: string, value: unknown): string[] {
    let validate = this.cache.get(pointer);
    if (validate === undefined) {
      validate = this.ajv.compile({ $ref: `${SPEC_ID}${pointer}` });
      this.cache.set(pointer, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (error) => `${name}${error.instancePath} ${error.message ?? ""} ${JSON.stringify(error.params)}`,
    );
  }
}
