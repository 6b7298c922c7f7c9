/**
 * The JSON Schema of `idswitch.config.json`, generated from the same zod
 * schema that validates it, so editors complete and check the file exactly
 * as `loadConfig` will. Written to `dist/idswitch.config.schema.json` at build.
 */
import { toJSONSchema } from "zod/mini";
import { configFileSchema } from "./file-schema.js";

/**
 * Returns the JSON Schema of `idswitch.config.json` (the build writes it to `dist/idswitch.config.schema.json`).
 *
 * @example
 * import { writeFile } from "node:fs/promises";
 * import { configJsonSchema } from "idswitch";
 *
 * await writeFile("idswitch.config.schema.json", JSON.stringify(configJsonSchema(), null, 2));
 */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...toJSONSchema(configFileSchema, { io: "input", unrepresentable: "any" }),
    title: "idswitch configuration",
    description:
      "Identity providers, failover routing and linking for createIdentity (secrets as { env: NAME }).",
  };
}
