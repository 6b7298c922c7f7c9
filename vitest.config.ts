import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Entry points other than the root (stores, testing kit) import the public
  // API as "idswitch", as a consumer would; in tests that is the source.
  resolve: {
    alias: [{ find: /^idswitch$/, replacement: fileURLToPath(new URL("src/index.ts", import.meta.url)) }],
  },
  test: {
    reporters: ["default", "junit"],
    outputFile: { junit: "reports/junit.xml" },
    projects: [
      {
        // Inherit the root's `resolve.alias`, so "idswitch" is the source here too.
        extends: true,
        test: {
          name: "unit",
          setupFiles: ["test/setup/fail-on-console.ts"],
          include: ["test/unit/**/*.test.ts"],
          typecheck: {
            enabled: true,
            include: ["test/types/**/*.test-d.ts"],
            tsconfig: "tsconfig.node.json",
          },
        },
      },
      {
        // Inherit the root's `resolve.alias`, so "idswitch" is the source here too.
        extends: true,
        test: {
          // Emulated providers: real HTTP servers on loopback, started by each test file.
          name: "emulators",
          setupFiles: ["test/setup/fail-on-console.ts"],
          include: [
            "test/integration/entra/**/*.test.ts",
            "test/integration/entra-emulator/**/*.test.ts",
            "examples/testing/**/*.test.ts",
          ],
          testTimeout: 30_000,
        },
      },
      {
        // Inherit the root config: its alias maps "idswitch" (what the stores import) to the source.
        extends: true,
        test: {
          // Stores against the real services of the machine: SQLite files in a temp
          // folder, PostgreSQL on 127.0.0.1:5432, Redis on 127.0.0.1:6379. Files run
          // one after another: the race and crash tests fork processes of their own.
          name: "stores",
          setupFiles: ["test/setup/fail-on-console.ts"],
          include: ["test/stores/**/*.test.ts"],
          fileParallelism: false,
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          setupFiles: ["test/setup/fail-on-console.ts"],
          include: [
            "test/integration/keycloak/**/*.test.ts",
            "test/integration/identity/**/*.test.ts",
            "test/integration/directory/**/*.test.ts",
          ],
          globalSetup: ["test/setup/keycloak.global.ts"],
          // One real Keycloak is shared; files mutate its state (users, clients), so
          // they run one after another and each test creates the users it changes.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 240_000,
        },
      },
      {
        test: {
          // SECURITY.md §A2, one test per attack, against createIdentity with the Entra ID
          // emulator and the real Keycloak (shared with "integration": files run one by one).
          name: "security",
          setupFiles: ["test/setup/fail-on-console.ts"],
          include: ["test/security/**/*.test.ts"],
          globalSetup: ["test/setup/keycloak.global.ts"],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
