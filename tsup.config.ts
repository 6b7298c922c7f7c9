import { defineConfig, type Options } from "tsup";

const shared: Options = {
  format: ["esm"],
  target: "es2022",
  // tsup sets `baseUrl` for declaration builds, which TypeScript 6 deprecates.
  dts: { compilerOptions: { composite: false, ignoreDeprecations: "6.0" } },
  // No source maps in the package: the output is readable, unminified ESM already, and maps would
  // either embed the sources (most of the tarball) or point at files the package does not ship.
  sourcemap: false,
  splitting: true,
  treeshake: true,
};

// One entry per public entry point. The root entry stays web-standard and
// free of drivers and frameworks; Node-only entries build separately, so
// nothing of theirs can leak into it.
export default defineConfig([
  {
    ...shared,
    // The directory mirror is web-standard too: built with the root so both share one
    // chunk of core code (one IdSwitchError class: `instanceof` holds across entries).
    entry: { index: "src/index.ts", "directory/index": "src/directory/index.ts" },
    platform: "neutral",
    tsconfig: "tsconfig.json",
    clean: true,
  },
  {
    ...shared,
    entry: {
      "testing/index": "src/testing/index.ts",
      "config/index": "src/config/node.ts",
      // A fetch that can see the connect phase (node:http/https): `runtime.connectTimeoutMs`.
      "node/index": "src/node/index.ts",
      "stores/sqlite": "src/stores/sqlite/index.ts",
      "stores/postgres": "src/stores/postgres/index.ts",
      "stores/redis": "src/stores/redis/index.ts",
    },
    platform: "node",
    tsconfig: "tsconfig.node.json",
    // The testing kit and the stores drive the public API like any consumer:
    // import it, do not bundle a copy (a second IdSwitchError class would fail
    // `instanceof`). Store drivers are optional peers, loaded from the app.
    external: ["idswitch", "idswitch/testing", "better-sqlite3", "pg", "redis"],
  },
  {
    ...shared,
    // The command line: the package's bin. Imports the public entries, bundles only itself.
    entry: { "cli/index": "src/cli/index.ts" },
    platform: "node",
    tsconfig: "tsconfig.node.json",
    external: ["idswitch", "idswitch/testing", "idswitch/directory"],
    dts: false,
  },
  {
    ...shared,
    // Express and Fastify glue: Node-only. The public API and the frameworks stay
    // external, so an app's `instanceof IdSwitchError` sees the one class it imported.
    entry: {
      "integrations/express/index": "src/integrations/express/index.ts",
      "integrations/fastify/index": "src/integrations/fastify/index.ts",
    },
    platform: "node",
    tsconfig: "tsconfig.node.json",
    external: ["idswitch", "express", "fastify"],
  },
  {
    ...shared,
    // Hono runs on Web Request/Response anywhere (workers, Deno, Bun): platform-neutral, like the root.
    entry: { "integrations/hono/index": "src/integrations/hono/index.ts" },
    platform: "neutral",
    tsconfig: "tsconfig.web.json",
    external: ["idswitch", "hono"],
  },
]);
