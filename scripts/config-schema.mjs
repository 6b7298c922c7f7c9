#!/usr/bin/env node
// Writes dist/idswitch.config.schema.json from the zod schema that validates
// idswitch.config.json (run after the build), so editors check the file the
// way loadConfig will. `"$schema": "./node_modules/idswitch/dist/idswitch.config.schema.json"`.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const { configJsonSchema } = await import(resolve(root, "dist/index.js"));
writeFileSync(
  resolve(root, "dist/idswitch.config.schema.json"),
  `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
);
