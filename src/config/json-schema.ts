/**
 * The JSON Schema of `idswitch.config.json`, generated from the same zod
 * schema that validates it, so editors complete and check the file exactly
 * as `loadConfig` will. Written to `dist/idswitch.config.schema.json` at build.
 */
import { z } from "zod";
import { configFileSchema } from "./file-schema.js";

export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configFileSchema, { io: "input", unrepresentable: "any" }),
    title: "idswitch configuration",
    description:
      "Identity providers, failover routing and linking for createIdentity (secrets as { env: NAME }).",
  };
}
