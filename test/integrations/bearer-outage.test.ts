/** An issuer whose keys cannot be fetched is an outage, not a bad token: 503 with Retry-After. */
import { Hono } from "hono";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createIdentity, type EntraProviderOptions, entraId } from "../../src/index.js";
import { bearerAuth } from "../../src/integrations/hono/index.js";
import { startWorld, type World } from "./support/world.js";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.close());

it("hono bearerAuth answers 503 with Retry-After when the issuer's keys are unreachable", async () => {
  const token = await world.entraApiToken();
  // A fresh identity: no keys cached yet, so verification must fetch them — and Entra is down.
  const identity = createIdentity({
    providers: [
      entraId({
        id: "entra",
        tenantId: world.tenantId,
        clientId: "00000000-0000-0000-0000-000000000001",
        authority: world.entra.url,
        v1IssuerBase: world.entra.v1IssuerBase,
        runtime: { timeoutMs: 1000 },
      } as EntraProviderOptions),
    ],
  });
  const app = new Hono();
  app.get("/api", bearerAuth({ identity, audience: world.apiAudience }), (c) => c.text("ok"));
  world.entra.fault({ endpoint: "all", mode: "http503" });
  try {
    const response = await app.fetch(
      new Request("https://api.test/api", { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(response.status).toBe(503);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await response.json()).toEqual({ error: "temporarily_unavailable" });
  } finally {
    world.entra.clearFaults();
    await identity.close();
  }
});
