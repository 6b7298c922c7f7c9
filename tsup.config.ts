import { defineConfig, type Options } from "tsup";

const shared: Options = {
  format: ["esm"],
  target: "es2022",
  // tsup sets `baseUrl` for declaration builds, which TypeScript 6 deprecates.
  dts: { compilerOptions: { composite: false, ignoreDeprecations: "6.0" } },
  sourcemap: true,
  splitting: true,
  treeshake: true,
};

// One entry per public entry point. The root entry stays web-standard and
// free of drivers and frameworks; Node-only entries build separately, so
// nothing of theirs can leak into it.
export default defineConfig([
  {
    ...shared,
    entry: { index: "src/index.ts" },
    platform: "neutral",
    tsconfig: "tsconfig.json",
    clean: true,
  },
  {
    ...shared,
    entry: { "testing/index": "src/testing/index.ts" },
    platform: "node",
    tsconfig: "tsconfig.node.json",
    // The testing kit drives the public API like any consumer: import it, do not bundle a copy.
    external: ["idswitch", "idswitch/testing"],
  },
  {
    ...shared,
    // The directory mirror (idswitch/directory): web-standard code, built as a node entry beside the root.
    entry: { "directory/index": "src/directory/index.ts" },
    platform: "node",
    tsconfig: "tsconfig.json",
    external: ["idswitch"],
  },
  {
    ...shared,
    // The command line: the package's bin. Imports the public entries, bundles only itself.
    entry: { "cli/index": "src/cli/index.ts" },
    platform: "node",
    tsconfig: "tsconfig.node.json",
    external: ["idswitch", "idswitch/testing"],
    dts: false,
  },
]);
