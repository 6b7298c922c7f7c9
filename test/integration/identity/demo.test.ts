/** `idswitch demo` against the real Keycloak: the story plays out and exits 0. */
import { describe, expect, inject, it } from "vitest";
import { findCachedKeycloak } from "../../../src/cli/demo/cached-keycloak.js";
import { runDemo } from "../../../src/cli/demo/run.js";

describe("the demo", () => {
  it("plays the failover story against the real Keycloak and exits 0", async () => {
    const lines: string[] = [];
    const { username, password } = inject("keycloakAdmin");
    const code = await runDemo({
      env: {
        KEYCLOAK_URL: inject("keycloakUrl"),
        KEYCLOAK_ADMIN_USER: username,
        KEYCLOAK_ADMIN_PASSWORD: password,
      },
      write: (line) => lines.push(line),
    });
    const text = lines.join("\n");
    expect(code, text).toBe(0);
    const appUsers = [...text.matchAll(/app user ([0-9a-f-]{36})/g)].map((m) => m[1]);
    expect(appUsers).toHaveLength(2);
    expect(new Set(appUsers).size).toBe(1); // the same app user at both providers
    expect(text).toContain('alternatives: ["eu"]');
    expect(text).toContain(`issuer ${inject("keycloakUrl")}/realms/idswitch · entra → eu`);
    expect(text).toContain("entra up");
    expect(text).not.toMatch(/Pw-|secret/i); // no password or secret in the narration
  });

  it("without KEYCLOAK_URL finds the test bed answering on its port, before any cached distribution", async () => {
    const url = new URL(inject("keycloakUrl"));
    const found = await findCachedKeycloak({ IDSWITCH_CACHE_DIR: "/nonexistent" }, Number(url.port));
    if (inject("keycloakMode") === "production") {
      // The demo looks for the plain-http test bed of `npm run keycloak -- start` (start-dev);
      // a production-mode server answers https only (docs/reference/keycloak.md §7.2), so the
      // demo must not take it for one, and /nonexistent holds no distribution to start.
      expect(found).toBeUndefined();
      return;
    }
    expect(found).toEqual({ kind: "running", url: `http://localhost:${url.port}` });
  });
});
