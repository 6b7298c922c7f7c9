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
        test: {
          // Emulated providers: real HTTP servers on loopback, started by each test file.
          name: "emulators",
          setupFiles: ["test/setup/fail-on-console.ts"],
          include: [
            "test/integration/entra/**/*.test.ts",
            "test/integration/entra-emulator/**/*.test.ts",
            "test/integration/keycloak-lite/**/*.test.ts",
          ],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          setupFiles: ["test/setup/fail-on-console.ts"],
          include: ["test/integration/keycloak/**/*.test.ts", "test/integration/identity/**/*.test.ts"],
          globalSetup: ["test/setup/keycloak.global.ts"],
          // One real Keycloak is shared; files mutate its state (users, clients), so
          // they run one after another and each test creates the users it changes.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
