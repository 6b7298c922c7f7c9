/** `idswitch demo` with no Keycloak at hand: the Keycloak-lite emulator stands in, no network needed. */
import { describe, expect, it } from "vitest";
import { runDemo } from "../../src/cli/demo/run.js";

describe("the demo on embedded emulators", () => {
  it("plays the whole story and exits 0", async () => {
    const lines: string[] = [];
    const code = await runDemo({ env: {}, lite: true, write: (line) => lines.push(line) });
    const text = lines.join("\n");
    expect(code, text).toBe(0);
    expect(text).toContain("spare: Keycloak-lite emulator");
    const appUsers = [...text.matchAll(/app user ([0-9a-f-]{36})/g)].map((m) => m[1]);
    expect(appUsers).toHaveLength(2);
    expect(new Set(appUsers).size).toBe(1);
    // The spare is reached as localhost: WebAuthn refuses an IP address as relying-party id.
    expect(text).toMatch(/issuer http:\/\/localhost:\d+\/realms\/eu-login · entra → eu/);
    expect(text).toContain("entra up");
    expect(text).not.toMatch(/Pw-|secret/i);
  });
});
