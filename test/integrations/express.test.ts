/** idswitch/express over real HTTP on 127.0.0.1, against the Entra emulator and the real Keycloak. */
import express from "express";
import { bearerAuth, idswitch } from "../../src/integrations/express/index.js";
import { listenFirst, overHttp } from "./support/listen.js";
import { webScenarios } from "./support/scenarios.js";

webScenarios("express", async (world) => {
  const listening = await listenFirst();
  const setup = await world.appAt(listening.origin, { secure: false });
  const auth = idswitch(setup.web);
  const app = express();
  app.use(auth.routes());
  app.get("/me", auth.requireAuth(), (req, res) => {
    res.json({ appUserId: req.idswitch?.session?.appUserId, provider: req.idswitch?.session?.provider });
  });
  app.get("/reader", auth.requireRole("reader"), (_req, res) => {
    res.json({ ok: true });
  });
  app.get("/choose", (req, res) => {
    res.json(req.query);
  });
  app.get("/api/orders", bearerAuth(setup.bearer), (req, res) => {
    res.json({ provider: req.idswitch?.principal?.provider, subject: req.idswitch?.principal?.subject });
  });
  app.get("/api/admin", bearerAuth({ ...setup.bearer, requiredScopes: ["orders.admin"] }), (_req, res) => {
    res.json({ ok: true });
  });
  app.get("/api/other-audience", bearerAuth({ ...setup.bearer, audience: "someone-else" }), (_req, res) => {
    res.json({ ok: true });
  });
  listening.handle(app);
  return { origin: listening.origin, dispatch: overHttp, setup, close: listening.close };
});
