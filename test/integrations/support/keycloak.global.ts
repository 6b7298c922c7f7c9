// Vitest globalSetup for the integrations project: the shared test/setup/keycloak.global.ts,
// except that a Keycloak already started by an earlier project of the same run is reused.
//
// Vitest runs each project's globalSetup, one after another in project order. Without this, a
// plain `npm test` (no KEYCLOAK_URL: CI) would start a second Keycloak on the port the
// `integration` project's one already holds, and fail.
import type { TestProject } from "vitest/node";
import setup from "../../setup/keycloak.global.js";

/** scripts/keycloak.mjs DEFAULT_PORT: where the shared setup starts Keycloak. */
const STARTED_AT = "http://localhost:18180";

export default async function integrationsSetup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.KEYCLOAK_URL) return setup(project);
  const running = await runningKeycloak();
  if (!running) return setup(project);
  process.env.KEYCLOAK_URL = running;
  try {
    return await setup(project); // reuse: the project that started it stops it
  } finally {
    delete process.env.KEYCLOAK_URL;
  }
}

/** The base URL of a Keycloak serving the test realm at the default port, if one answers. */
async function runningKeycloak(): Promise<string | undefined> {
  try {
    const discovery = `${STARTED_AT}/realms/idswitch/.well-known/openid-configuration`;
    const response = await fetch(discovery, { signal: AbortSignal.timeout(2_000) });
    if (!response.ok) return undefined;
    const { issuer } = (await response.json()) as { issuer?: unknown };
    return typeof issuer === "string" && issuer.endsWith("/realms/idswitch")
      ? issuer.slice(0, -"/realms/idswitch".length)
      : undefined;
  } catch {
    return undefined;
  }
}
