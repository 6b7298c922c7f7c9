/**
 * The providers every integration test signs in at: the Entra ID emulator
 * (primary) and the real Keycloak (the EU spare), and what an app under test
 * needs from them — an identity, the integration's options, a clock to move.
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { inject } from "vitest";
import {
  createIdentity,
  type EntraProviderOptions,
  entraId,
  type Identity,
  type KeycloakProviderOptions,
  keycloak,
} from "../../../src/index.js";
import type { BearerOptionsInput, WebOptionsInput } from "../../../src/integrations/core/options.js";
import { createEntraEmulator, type EntraEmulator } from "../../../src/testing/index.js";
import { type FakeTransmitter, fakeTransmitter, ISSUER, PUSH_SECRET } from "../../support/ssf-fakes.js";
import { createKeycloakClient, type KeycloakTestClient } from "./keycloak-client.js";

export const SECRET = "integration-tests-secret-of-32-chars-or-more";

export interface World {
  readonly entra: EntraEmulator;
  readonly tenantId: string;
  readonly apiAudience: string;
  /** An app-only Entra token for the API (client credentials). */
  entraApiToken(): Promise<string>;
  /** A Keycloak service-account token for `api`. */
  keycloakApiToken(): Promise<string>;
  /**
   * A Keycloak service-account token for `api` bound to a DPoP key (Keycloak binds any client's
   * tokens when the request carries a proof), and proofs of that key for requests with it.
   */
  keycloakDpopToken(): Promise<{ token: string; proof(method: string, url: string): Promise<string> }>;
  newEntraUser(): { oid: string; username: string; password: string };
  /**
   * The logout tokens Keycloak posted for the apps' clients (each client's
   * back-channel logout URL is a capture here, so any transport — Hono's
   * `app.fetch` too — can be handed the real token).
   */
  nextLogoutToken(): Promise<string>;
  /** An app at `origin`: registered at both providers with its own callback URLs. */
  appAt(origin: string, options?: { secure?: boolean }): Promise<AppSetup>;
  close(): Promise<void>;
}

export interface AppSetup {
  readonly identity: Identity;
  readonly web: WebOptionsInput;
  readonly bearer: BearerOptionsInput;
  /** Moves the integration's clock (ms), e.g. to bring the access token near expiry. */
  readonly clock: { shiftMs: number };
  /**
   * A Shared Signals transmitter speaking for Keycloak ("eu"), its metadata
   * and keys served in memory: it signs the SETs the app's
   * `POST /auth/signals` (the `signals` option) is pushed, authorized with
   * {@link PUSH_SECRET}. Subjects are `iss_sub` of its issuer {@link ISSUER}.
   */
  readonly transmitter: FakeTransmitter;
}

export async function startWorld(): Promise<World> {
  const entra = await createEntraEmulator();
  const tenant = entra.addTenant({ domain: "contoso.example" });
  const api = entra.addApp({ tenantId: tenant.id, displayName: "api", accessTokenVersion: 2 });
  const daemon = entra.addApp({ tenantId: tenant.id, displayName: "daemon", secret: "daemon-secret" });
  entra.grantAppRoles(daemon.clientId, api.clientId, []);
  const keycloakUrl = inject("keycloakUrl");
  const capture = await captureLogoutTokens();
  const clients: KeycloakTestClient[] = [];
  const identities: Identity[] = [];
  const entraOptions = (clientId: string, secret: string): EntraProviderOptions =>
    ({
      id: "entra",
      tenantId: tenant.id,
      clientId,
      clientSecret: secret,
      authority: entra.url,
      v1IssuerBase: entra.v1IssuerBase,
    }) as EntraProviderOptions;

  return {
    entra,
    tenantId: tenant.id,
    apiAudience: api.clientId,
    async entraApiToken() {
      const provider = entraId(entraOptions(daemon.clientId, "daemon-secret"));
      return (await provider.clientCredentials({ scope: `${api.identifierUri}/.default` })).accessToken;
    },
    async keycloakApiToken() {
      const provider = keycloak({
        id: "eu",
        issuer: `${keycloakUrl}/realms/idswitch`,
        clientId: "service",
        clientSecret: "service-secret",
      } as KeycloakProviderOptions);
      return (await provider.clientCredentials()).accessToken;
    },
    async keycloakDpopToken() {
      const provider = keycloak({
        id: "eu",
        issuer: `${keycloakUrl}/realms/idswitch`,
        clientId: "service",
        clientSecret: "service-secret",
        dpop: true,
      } as KeycloakProviderOptions);
      const tokens = await provider.clientCredentials();
      return {
        token: tokens.accessToken,
        proof: (method, url) => provider.dpopProof(tokens, { method, url }),
      };
    },
    nextLogoutToken: () => capture.next(),
    newEntraUser() {
      const password = `pw-${randomUUID()}`;
      const user = entra.addUser({
        tenantId: tenant.id,
        userPrincipalName: `u-${randomUUID().slice(0, 8)}@contoso.example`,
        password,
        displayName: "Integration User",
      });
      return { oid: user.oid, username: user.userPrincipalName, password };
    },
    async appAt(origin, options = {}) {
      const web = entra.addApp({
        tenantId: tenant.id,
        displayName: `web ${origin}`,
        secret: "web-secret",
        redirectUris: [`${origin}/auth/callback/entra`],
      });
      const client = await createKeycloakClient({
        redirectUri: `${origin}/auth/callback/eu`,
        postLogoutRedirectUri: `${origin}/bye`,
        backchannelLogoutUrl: capture.url,
      });
      clients.push(client);
      const identity = createIdentity({
        providers: [
          entraId({
            ...entraOptions(web.clientId, "web-secret"),
            redirectUri: `${origin}/auth/callback/entra`,
            scope: `openid profile email offline_access ${api.identifierUri}/access_as_user`,
          }),
          keycloak({
            id: "eu",
            issuer: `${keycloakUrl}/realms/idswitch`,
            clientId: client.clientId,
            clientSecret: client.clientSecret,
            redirectUri: `${origin}/auth/callback/eu`,
            // The organisation's own Keycloak speaks for its people (routing.authority): it can be asked.
            admin: { clientId: "idswitch-admin", clientSecret: "idswitch-admin-secret" },
          } as KeycloakProviderOptions),
        ],
        routing: { order: ["entra", "eu"], authority: ["eu"], authorityCacheSeconds: 1 },
      });
      identities.push(identity);
      const clock = { shiftMs: 0 };
      const transmitter = await fakeTransmitter();
      const signals = identity.signalReceiver(
        {
          transmitters: [
            {
              provider: "eu",
              issuer: ISSUER,
              audience: "ssf-receiver/stream-1",
              delivery: { method: "push", authorization: PUSH_SECRET },
            },
          ],
        },
        { fetch: transmitter.fetch },
      );
      return {
        identity,
        clock,
        transmitter,
        web: {
          identity,
          signals,
          secret: SECRET,
          chooserPath: "/choose",
          postLogoutRedirectUri: `${origin}/bye`,
          cookie: { secure: options.secure ?? true },
          now: () => Date.now() + clock.shiftMs,
        },
        bearer: { identity, audience: { entra: api.clientId, eu: "api" } },
      };
    },
    async close() {
      await Promise.all(identities.map((i) => i.close()));
      await Promise.all(clients.map((c) => c.remove()));
      await entra.close();
      await capture.close();
    },
  };
}

/** A loopback receiver of Keycloak's back-channel logout posts: hands out each `logout_token` once. */
async function captureLogoutTokens() {
  const tokens: string[] = [];
  const waiting: Array<(token: string) => void> = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      const token = new URLSearchParams(body).get("logout_token");
      if (token) {
        const taker = waiting.shift();
        if (taker) taker(token);
        else tokens.push(token);
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/backchannel-logout`,
    next: () => {
      const token = tokens.shift();
      return token !== undefined ? Promise.resolve(token) : new Promise<string>((r) => waiting.push(r));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
