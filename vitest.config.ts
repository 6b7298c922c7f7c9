import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // No library code may log by default; fail on stray console output instead of hiding it.
    onConsoleLog: () => false,
    reporters: ["default", "junit"],
    outputFile: { junit: "reports/junit.xml" },
    projects: [
      {
        test: {
          name: "unit",
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
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
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
