import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Entry points other than the root (stores, testing kit, CLI) import the public
  // API as "idswitch", as a consumer would; in tests that is the source.
  resolve: {
    alias: [
      { find: /^idswitch$/, replacement: fileURLToPath(new URL("src/index.ts", import.meta.url)) },
      {
        find: /^idswitch\/testing$/,
        replacement: fileURLToPath(new URL("src/testing/index.ts", import.meta.url)),
      },
      {
        find: /^idswitch\/directory$/,
        replacement: fileURLToPath(new URL("src/directory/index.ts", import.meta.url)),
      },
    ],
  },
  test: {
    reporters: ["default", "junit"],
    outputFile: { junit: "reports/junit.xml" },
    // Every project inherits the root (`extends: true`): above all its alias.
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          setupFiles: ["test/setup/fail-on-console.ts", "test/setup/errors-hold-no-secrets.ts"],
          include: ["test/unit/**/*.test.ts"],
          typecheck: {
            enabled: true,
            include: ["test/types/**/*.test-d.ts"],
            tsconfig: "tsconfig.node.json",
          },
        },
      },
      {
        extends: true,
        test: {
          // Emulated providers: real HTTP servers on loopback, started by each test file.
          name: "emulators",
          setupFiles: ["test/setup/fail-on-console.ts", "test/setup/errors-hold-no-secrets.ts"],
          include: [
            "test/integration/entra/**/*.test.ts",
            "test/integration/entra-emulator/**/*.test.ts",
            "examples/testing/**/*.test.ts",
            "test/cli/**/*.test.ts",
            "test/integration/keycloak-lite/**/*.test.ts",
            "test/integration/routing/**/*.test.ts",
          ],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          // Stores against the real services of the machine: SQLite files in a temp
          // folder, PostgreSQL on 127.0.0.1:5432, Redis on 127.0.0.1:6379. Files run
          // one after another: the race and crash tests fork processes of their own.
          name: "stores",
          setupFiles: ["test/setup/fail-on-console.ts", "test/setup/errors-hold-no-secrets.ts"],
          include: ["test/stores/**/*.test.ts"],
          fileParallelism: false,
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        // The latest major of the redis peer (package.json accepts ^5 || ^6): the same Redis
        // suite with "redis" resolving to node-redis 6 (the devDependency alias `redis6`), in
        // the store and in the test's own admin client. The `stores` project runs it on 5.
        resolve: { alias: [{ find: /^redis$/, replacement: "redis6" }] },
        test: {
          name: "stores-redis6",
          setupFiles: [
            "test/setup/fail-on-console.ts",
            "test/setup/errors-hold-no-secrets.ts",
            "test/stores/support/redis6-setup.ts",
          ],
          include: ["test/stores/redis.test.ts", "test/stores/redis-outage.test.ts"],
          fileParallelism: false,
          testTimeout: 30_000,
        },
      },
      // better-sqlite3 13, the latest major of that peer (package.json accepts ^12 || ^13),
      // needs Node 22 or later (it crashes on 20): the SQLite suite with "better-sqlite3"
      // resolving to the devDependency alias `better-sqlite3-13`, defined only on such a Node
      // (.ci/run runs it beside the unit suite on Node 22 and 24).
      ...(Number(process.versions.node.split(".")[0]) >= 22
        ? [
            {
              extends: true as const,
              resolve: { alias: [{ find: /^better-sqlite3$/, replacement: "better-sqlite3-13" }] },
              test: {
                name: "stores-sqlite13",
                setupFiles: [
                  "test/setup/fail-on-console.ts",
                  "test/setup/errors-hold-no-secrets.ts",
                  "test/stores/support/sqlite13-setup.ts",
                ],
                include: ["test/stores/sqlite.test.ts", "test/stores/sqlite-file-mode.test.ts"],
                fileParallelism: false,
                testTimeout: 30_000,
              },
            },
          ]
        : []),
      {
        extends: true,
        test: {
          // Everything that needs the real Keycloak, in one project with one global
          // setup (one server for the run): the provider, the facade, the directory
          // mirror and SECURITY.md §A2 (one test per attack).
          name: "integration",
          setupFiles: ["test/setup/fail-on-console.ts", "test/setup/errors-hold-no-secrets.ts"],
          include: [
            "test/integration/keycloak/**/*.test.ts",
            // Two production-mode nodes of its own, on a database of its own.
            "test/integration/keycloak-cluster/**/*.test.ts",
            "test/integration/identity/**/*.test.ts",
            "test/integration/signals/**/*.test.ts",
            "test/integration/directory/**/*.test.ts",
            "test/security/**/*.test.ts",
          ],
          globalSetup: ["test/setup/keycloak.global.ts"],
          // One real Keycloak is shared; files mutate its state (users, clients, realms),
          // so they run one after another and each test creates what it changes.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 240_000,
        },
      },
      {
        // Inherits the root's alias: the integrations import the public API as "idswitch".
        extends: true,
        test: {
          // idswitch/express, /fastify, /hono: real HTTP (Hono: app.fetch) against the Entra
          // emulator and the real Keycloak, plus the framework-neutral pieces they share.
          name: "integrations",
          setupFiles: ["test/setup/fail-on-console.ts", "test/setup/errors-hold-no-secrets.ts"],
          include: ["test/integrations/**/*.test.ts"],
          // Reuses the Keycloak that the integration project started in the same run.
          globalSetup: ["test/integrations/support/keycloak.global.ts"],
          fileParallelism: false,
          // After the other projects, not beside them: the integration project disables
          // shared Keycloak clients (`service`) for a moment, which these tests use.
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 240_000,
        },
      },
      {
        extends: true,
        test: {
          // The example web app in Debian's Chromium (playwright-core, /usr/bin/chromium): the
          // Entra ID emulator's sign-in page and the real Keycloak login page, suspension and
          // failover. Same Keycloak as the integrations project; runs after it, one file at a time.
          name: "e2e",
          setupFiles: ["test/setup/fail-on-console.ts", "test/setup/errors-hold-no-secrets.ts"],
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/integrations/support/keycloak.global.ts"],
          fileParallelism: false,
          sequence: { groupOrder: 2 },
          testTimeout: 30_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
