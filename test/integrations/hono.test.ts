/**
 * idswitch/hono driven through `app.fetch(new Request(…))` only: the
 * middleware sees Web requests, never a Node socket. The providers are real
 * (the Entra emulator and Keycloak over HTTP); the app is not listening.
 */
import { Hono } from "hono";
import { bearerAuth, type IdswitchEnv, idswitch } from "../../src/integrations/hono/index.js";
import { webScenarios } from "./support/scenarios.js";

webScenarios("hono", async (world) => {
  const origin = "https://hono.idswitch.test";
  const setup = await world.appAt(origin);
  const auth = idswitch(setup.web);
  const app = new Hono<IdswitchEnv>();
  app.route("/", auth.routes());
  app.get("/me", auth.requireAuth(), (c) =>
    c.json({
      appUserId: c.get("idswitch")?.session?.appUserId,
      provider: c.get("idswitch")?.session?.provider,
    }),
  );
  app.get("/reader", auth.requireRole("reader"), (c) => c.json({ ok: true }));
  app.get("/choose", (c) => c.json(c.req.query()));
  app.get("/api/orders", bearerAuth(setup.bearer), (c) =>
    c.json({
      provider: c.get("idswitch")?.principal?.provider,
      subject: c.get("idswitch")?.principal?.subject,
    }),
  );
  app.get("/api/admin", bearerAuth({ ...setup.bearer, requiredScopes: ["orders.admin"] }), (c) =>
    c.json({ ok: true }),
  );
  app.get("/api/other-audience", bearerAuth({ ...setup.bearer, audience: "someone-else" }), (c) =>
    c.json({ ok: true }),
  );
  return { origin, dispatch: async (request) => app.fetch(request), setup, close: async () => {} };
});
