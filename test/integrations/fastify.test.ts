/** idswitch/fastify over real HTTP on 127.0.0.1, against the Entra emulator and the real Keycloak. */
import Fastify from "fastify";
import { bearerAuth, idswitch } from "../../src/integrations/fastify/index.js";
import { listenFirst, overHttp } from "./support/listen.js";
import { webScenarios } from "./support/scenarios.js";

webScenarios("fastify", async (world) => {
  const listening = await listenFirst();
  const setup = await world.appAt(listening.origin, { secure: false });
  const auth = idswitch(setup.web);
  let route: ((req: unknown, res: unknown) => void) | undefined;
  // The server already listens (the port is in the providers' redirect URIs): Fastify only routes.
  const app = Fastify({
    serverFactory: (handler) => {
      route = handler as (req: unknown, res: unknown) => void;
      return listening.server;
    },
  });
  await app.register(auth.plugin);
  app.get("/me", { preHandler: auth.requireAuth() }, async (request) => ({
    appUserId: request.idswitch?.session?.appUserId,
    provider: request.idswitch?.session?.provider,
  }));
  app.get("/reader", { preHandler: auth.requireRole("reader") }, async () => ({ ok: true }));
  app.get("/choose", async (request) => request.query);
  app.get("/api/orders", { preHandler: bearerAuth(setup.bearer) }, async (request) => ({
    provider: request.idswitch?.principal?.provider,
    subject: request.idswitch?.principal?.subject,
  }));
  app.get(
    "/api/admin",
    { preHandler: bearerAuth({ ...setup.bearer, requiredScopes: ["orders.admin"] }) },
    async () => ({ ok: true }),
  );
  app.get(
    "/api/other-audience",
    { preHandler: bearerAuth({ ...setup.bearer, audience: "someone-else" }) },
    async () => ({ ok: true }),
  );
  await app.ready();
  listening.handle((req, res) => route?.(req, res));
  return {
    origin: listening.origin,
    dispatch: overHttp,
    setup,
    close: async () => {
      await listening.close();
    },
  };
});
