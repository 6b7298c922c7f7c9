import { defineConfig } from "tsup";

// One entry per public entry point; the root entry must stay free of drivers
// and frameworks (they get their own entries as they arrive).
export default defineConfig({
  entry: { index: "src/index.ts" },
  format: ["esm"],
  target: "es2022",
  platform: "neutral",
  // tsup sets `baseUrl` for declaration builds, which TypeScript 6 deprecates.
  dts: { compilerOptions: { composite: false, ignoreDeprecations: "6.0" } },
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
  tsconfig: "tsconfig.json",
});
