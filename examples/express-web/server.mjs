// @ts-check
/**
 * A backend-for-frontend with two providers and failover:
 *
 *   npm run example:express        (builds, then runs this file on http://localhost:3000)
 *
 * With no configuration both providers are emulated; set ENTRA_TENANT_ID,
 * ENTRA_CLIENT_ID, ENTRA_CLIENT_SECRET, KEYCLOAK_ISSUER, KEYCLOAK_CLIENT_ID,
 * KEYCLOAK_CLIENT_SECRET and SESSION_SECRET for real ones.
 */
import { randomBytes } from "node:crypto";
import express from "express";
import { idswitch } from "idswitch/express";
import { chooser, home, me } from "./pages.mjs";
import { providers } from "./providers.mjs";

const port = Number(process.env.PORT ?? 3000);
const origin = process.env.PUBLIC_URL ?? `http://localhost:${port}`;
const { identity, emulated } = await providers(origin, process.env);

const auth = idswitch({
  identity,
  // A fresh secret per run signs everyone out on restart; production reads a fixed one.
  secret: process.env.SESSION_SECRET ?? randomBytes(32).toString("base64url"),
  chooserPath: "/choose",
  postLogoutRedirectUri: `${origin}/`,
  cookie: { secure: origin.startsWith("https://") },
});

const app = express();
app.use(auth.routes());
app.get("/", (_req, res) => {
  res.send(home(emulated?.accounts));
});
app.get("/me", auth.requireAuth(), (req, res) => {
  const session = req.idswitch?.session;
  if (session) res.send(me(session));
});
app.get("/choose", (req, res) => {
  res.send(chooser(new URLSearchParams(req.url.split("?")[1] ?? "")));
});
if (emulated) {
  app.post("/demo/outage", express.urlencoded({ extended: false }), (req, res) => {
    emulated.outage(req.body?.down === "1");
    res.redirect(303, "/");
  });
  app.post("/demo/suspend", (_req, res) => {
    emulated.suspend();
    res.redirect(303, "/me");
  });
}

// Health probes feed each provider's circuit breaker: while Entra ID is down, sign-ins start at eu.
const probes = setInterval(() => {
  identity.health().catch(() => {});
}, 2000);
probes.unref();

const server = app.listen(port, "127.0.0.1", () => {
  console.log(`express-web on ${origin}${emulated ? " (emulated providers)" : ""}`);
});
const stop = async () => {
  clearInterval(probes);
  server.close();
  await identity.close();
  await emulated?.close();
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
