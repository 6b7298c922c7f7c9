/** Which Keycloak the demo takes when KEYCLOAK_URL is not set: the cached distribution, or the emulator. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findCachedKeycloak } from "../../src/cli/demo/cached-keycloak.js";
import { closedLoopbackPort } from "../support/ports.js";

const cache = mkdtempSync(join(tmpdir(), "idswitch-demo-cache-"));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

describe("the demo's real Keycloak, without KEYCLOAK_URL", () => {
  it("nothing cached and no test bed answering: none (the demo uses Keycloak-lite)", async () => {
    expect(
      await findCachedKeycloak({ IDSWITCH_CACHE_DIR: cache }, await closedLoopbackPort()),
    ).toBeUndefined();
  });

  it("the distribution `npm test` cached: started through the repository's scripts/keycloak.mjs", async () => {
    const home = join(cache, "keycloak-26.7.3");
    mkdirSync(join(home, "bin"), { recursive: true });
    writeFileSync(join(home, "bin", "kc.sh"), "#!/bin/sh\n");
    const found = await findCachedKeycloak({ IDSWITCH_CACHE_DIR: cache }, await closedLoopbackPort());
    expect(found).toMatchObject({ kind: "cached", home });
    expect(found?.kind === "cached" && found.script).toMatch(/\/scripts\/keycloak\.mjs$/);
  });
});
