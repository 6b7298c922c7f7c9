/**
 * The example web app (examples/express-web/server.mjs) as the browser tests
 * need it: the same idswitch/express wiring, routes, pages (pages.mjs itself)
 * and health probes, but with the Entra ID emulator as the primary and the
 * REAL Keycloak as the EU spare. The example cannot be started that way
 * unchanged — its environment switch takes a real Entra tenant or no real
 * provider at all — so this is its twin, on 127.0.0.1 and a free port.
 */
import { randomBytes, randomUUID } from "node:crypto";
import express from "express";
import { inject } from "vitest";
import { chooser, home, me } from "../../../examples/express-web/pages.mjs";
import {
  createIdentity,
  entraId,
  type Identity,
  type KeycloakProviderOptions,
  keycloak,
} from "../../../src/index.js";
import { idswitch } from "../../../src/integrations/express/index.js";
import { createEntraEmulator, type EntraEmulator } from "../../../src/testing/index.js";
import { createKeycloakClient } from "../../integrations/support/keycloak-client.js";
import { listenFirst } from "../../integrations/support/listen.js";

export interface EntraTestUser {
  readonly oid: string;
  readonly username: string;
  readonly password: string;
  readonly displayName: string;
}

export interface TwinApp {
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  readonly identity: Identity;
  readonly entra: EntraEmulator;
  readonly keycloakUrl: string;
  newEntraUser(): EntraTestUser;
  close(): Promise<void>;
}

export async function startTwinApp(): Promise<TwinApp> {
  const listening = await listenFirst();
  const { origin } = listening;
  const callback = (id: string) => `${origin}/auth/callback/${id}`;
  const keycloakUrl = inject("keycloakUrl");

  // As the example: short-lived Entra access tokens, so every request refreshes and a suspension shows at once.
  const entra = await createEntraEmulator({ accessTokenLifetimeSeconds: 60 });
  const tenant = entra.addTenant({ domain: "contoso.example" });
  const registration = entra.addApp({
    tenantId: tenant.id,
    displayName: "express-web (entra)",
    secret: "entra-secret",
    redirectUris: [callback("entra")],
  });
  // A throw-away confidential client whose only redirect URI is this app's callback.
  const client = await createKeycloakClient({
    redirectUri: callback("eu"),
    postLogoutRedirectUri: `${origin}/`,
  });

  const identity = createIdentity({
    providers: [
      entraId({
        id: "entra",
        tenantId: tenant.id,
        clientId: registration.clientId,
        clientSecret: "entra-secret",
        authority: entra.url,
        v1IssuerBase: entra.v1IssuerBase,
        redirectUri: callback("entra"),
        scope: "openid profile email offline_access",
        runtime: { timeoutMs: 2000 },
      }),
      keycloak({
        id: "eu",
        issuer: `${keycloakUrl}/realms/idswitch`,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        redirectUri: callback("eu"),
      } as KeycloakProviderOptions),
    ],
    routing: { order: ["entra", "eu"], breaker: { consecutiveFailures: 2, openMs: 5000 } },
  });

  listening.handle(exampleWebApp(identity, origin));

  // The example's health probes: they feed the breakers, so while Entra ID is down sign-ins start at eu.
  const probes = setInterval(() => {
    identity.health().catch(() => {});
  }, 2000);
  probes.unref();

  return {
    origin,
    identity,
    entra,
    keycloakUrl,
    newEntraUser() {
      const password = `pw-${randomUUID()}`;
      const displayName = "Ada Lovelace";
      const user = entra.addUser({
        tenantId: tenant.id,
        userPrincipalName: `ada-${randomUUID().slice(0, 8)}@contoso.example`,
        password,
        displayName,
      });
      return { oid: user.oid, username: user.userPrincipalName, password, displayName };
    },
    async close() {
      clearInterval(probes);
      await listening.close();
      await identity.close();
      await client.remove();
      await entra.close();
    },
  };
}

/** The example web app's routes and pages (examples/express-web), on `identity`, served at `origin`. */
export function exampleWebApp(identity: Identity, origin: string): express.Express {
  const auth = idswitch({
    identity,
    secret: randomBytes(32).toString("base64url"),
    chooserPath: "/choose",
    postLogoutRedirectUri: `${origin}/`,
    cookie: { secure: false },
  });
  const app = express();
  app.use(auth.routes());
  app.get("/", (_req, res) => {
    res.send(home(undefined));
  });
  app.get("/me", auth.requireAuth(), (req, res) => {
    const session = req.idswitch?.session;
    if (session) res.send(me(session));
  });
  app.get("/choose", (req, res) => {
    res.send(chooser(new URLSearchParams(req.url.split("?")[1] ?? "")));
  });
  return app;
}
