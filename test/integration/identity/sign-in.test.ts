/**
 * Sign-in through the facade: routing of new sign-ins around an outage, and
 * the device flow resolved to an app user.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentity, keycloak } from "../../../src/index.js";
import { issuerOf, newUser } from "../../support/keycloak-env.js";
import { approveDeviceLogin } from "../../support/keycloak-login.js";
import { signInAt, type TwoProviders, twoProviders, webIdentity } from "./two-providers.js";

let world: TwoProviders;
beforeAll(async () => {
  world = await twoProviders();
});
afterAll(() => world.close());

describe("new sign-ins", () => {
  it("go to Keycloak while Entra ID's discovery is unreachable, and come back to Entra once it answers", async () => {
    world.entra.fault({ endpoint: "discovery", mode: "http503" });
    const identity = webIdentity(world, {
      routing: { order: ["entra", "eu"], breaker: { consecutiveFailures: 1, openMs: 200 } },
    });
    try {
      const request = await identity.beginLogin();
      expect(request.provider).toBe("eu");
      expect(request.url.href.startsWith(issuerOf())).toBe(true);
      const session = await signInAt(identity, await newUser());
      expect(session.provider).toBe("eu");
    } finally {
      world.entra.clearFaults();
    }
    await expect
      .poll(async () => (await identity.beginLogin()).provider, { timeout: 10_000, interval: 250 })
      .toBe("entra");
  });

  it("a returning person starts at their last good provider", async () => {
    const identity = webIdentity(world);
    const person = await signInAt(identity, await newUser(), { provider: "eu" });
    expect((await identity.beginLogin({ appUserId: person.appUserId })).provider).toBe("eu");
    expect((await identity.beginLogin()).provider).toBe("entra");
  });
});

describe("device sign-in", () => {
  it("completes at Keycloak's real device page and resolves an app user", async () => {
    const identity = createIdentity({
      providers: [keycloak({ id: "eu", issuer: issuerOf(), clientId: "cli" })],
    });
    const handle = await identity.beginDeviceLogin();
    expect(handle.provider).toBe("eu");
    const polling = identity.completeDeviceLogin(handle);
    await approveDeviceLogin(handle.verificationUriComplete as string, {
      username: "alice",
      password: "alice-pw",
    });
    const session = await polling;
    expect(session.principal).toMatchObject({ username: "alice", provider: "eu" });
    expect(session.appUserId).toMatch(/^[0-9a-f-]{36}$/);
    const links = await identity.linksOf(session.appUserId);
    expect(links).toMatchObject([{ provider: "eu", tenant: "idswitch", subject: session.principal.subject }]);
  });
});
