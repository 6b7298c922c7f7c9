/**
 * Two app instances sharing one StateStore (here the in-memory one, which
 * has publish/subscribe like Redis): what one learns, the other acts on.
 */
import { describe, expect, it } from "vitest";
import { createIdentity, type IdentityEvents, keycloak, MemoryStateStore } from "../../../src/index.js";

const ISSUER = "https://auth.example.eu/realms/acme";

/** A provider whose every request fails the way `answer` says. */
function eu(answer: () => Promise<Response>) {
  return keycloak({
    id: "eu",
    issuer: ISSUER,
    clientId: "daemon",
    clientSecret: "s",
    runtime: { fetch: answer },
  });
}

const refused = () => Promise.reject(new TypeError("fetch failed: ECONNREFUSED"));

describe("instances sharing a StateStore", () => {
  it("a breaker opened by one instance is open at the other at once", async () => {
    const state = new MemoryStateStore();
    const options = { state, routing: { breaker: { consecutiveFailures: 1 } } };
    const a = createIdentity({ providers: [eu(refused)], ...options });
    const b = createIdentity({ providers: [eu(refused)], ...options });
    await Promise.all([a.ready(), b.ready()]);
    const seenByB: IdentityEvents["provider-down"][] = [];
    b.on("provider-down", (e) => seenByB.push(e));

    await expect(a.clientCredentials()).rejects.toMatchObject({ code: "provider_unavailable" });
    expect(seenByB).toEqual([
      { provider: "eu", code: "provider_unavailable", reason: "reported_by_another_instance" },
    ]);
    const health = await b.health(); // B's own probe: still down, breaker stays open
    expect(health[0]).toMatchObject({ status: "down", breaker: "open" });
    await Promise.all([a.close(), b.close()]);
  });
});
