/**
 * One API, both providers: the orders API receives a person's token, calls
 * the stock API as that person through `identity.exchange`, and the stock
 * API verifies what it gets — first with Entra ID (the emulator's
 * on-behalf-of grant), then, with Entra unreachable and the person signed
 * in at the EU Keycloak, the very same code with the real Keycloak's
 * standard token exchange. Entra's refusals (consent, Conditional Access,
 * a token for another app) keep the taxonomy, the claims challenge
 * included. And one API takes Entra's bearer tokens and Keycloak's
 * DPoP-bound ones side by side.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentity, entraId, type Identity, keycloak } from "../../../src/index.js";
import type { EntraApp } from "../../../src/testing/index.js";
import {
  clientProvider,
  createExchangeClients,
  type ExchangeClients,
} from "../../support/keycloak-downstream.js";
import { issuerOf, masterAdmin, newUser, REDIRECT_URI, rejectionOf } from "../../support/keycloak-env.js";
import { signInAt, type TwoProviders, twoProviders } from "./two-providers.js";

const POLICY = "8c6a1f0e-7d3b-4a59-9e21-5f0b6c3d2a14";

let world: TwoProviders;
let clients: ExchangeClients;
let orders: EntraApp;
let stock: EntraApp;
let ordersApi: Identity;
let stockApi: Identity;

/** The orders API's handler, the same whichever provider signed the caller in. */
async function callStockAs(bearer: string) {
  const caller = await ordersApi.verifyAccessToken(bearer, {
    audience: { entra: orders.clientId, eu: clients.orders.clientId },
  });
  const downstream = await ordersApi.exchange(bearer, {
    audience: { entra: stock.identifierUri, eu: clients.stock.clientId },
  });
  const seen = await stockApi.verifyAccessToken(downstream.accessToken, {
    audience: { entra: stock.clientId, eu: clients.stock.clientId },
  });
  return { caller, seen };
}

function entraApi(app: EntraApp, secret?: string) {
  return entraId({
    id: "entra",
    tenantId: world.tenantId,
    clientId: app.clientId,
    ...(secret ? { clientSecret: secret } : {}),
    authority: world.entra.url,
    v1IssuerBase: world.entra.v1IssuerBase,
  });
}

/** The web app people sign in to: Entra first, the EU Keycloak as the spare. */
function webApp(): Identity {
  return createIdentity({
    providers: [
      world.entraWeb({ scope: `openid profile email ${orders.identifierUri}/access_as_user` }),
      clientProvider(clients.web),
    ],
    routing: { order: ["entra", "eu"], breaker: { consecutiveFailures: 1, openMs: 60_000 } },
  });
}

beforeAll(async () => {
  world = await twoProviders();
  clients = await createExchangeClients(masterAdmin());
  orders = world.entra.addApp({
    tenantId: world.tenantId,
    displayName: "orders",
    secret: "orders-secret",
    identifierUri: "api://orders",
    accessTokenVersion: 2,
    scopes: ["access_as_user"],
  });
  stock = world.entra.addApp({
    tenantId: world.tenantId,
    displayName: "stock",
    identifierUri: "api://stock",
    accessTokenVersion: 2,
    scopes: ["Stock.Read"],
  });
  ordersApi = createIdentity({
    providers: [
      entraApi(orders, "orders-secret"),
      keycloak({
        id: "eu",
        issuer: issuerOf(),
        clientId: clients.orders.clientId,
        clientSecret: clients.orders.secret,
      }),
    ],
  });
  stockApi = createIdentity({
    providers: [
      entraApi(stock),
      keycloak({ id: "eu", issuer: issuerOf(), clientId: clients.stock.clientId }),
    ],
  });
});
afterAll(async () => {
  await clients?.remove();
  await world?.close();
});

describe("exchange across a failover", () => {
  it("Entra's on-behalf-of, then — Entra unreachable — Keycloak's token exchange, with the same app code", async () => {
    const web = webApp();
    const ada = world.newEntraUser();
    const atEntra = await signInAt(web, ada);
    expect(atEntra.provider).toBe("entra");
    const viaEntra = await callStockAs(atEntra.tokens.accessToken);
    expect(viaEntra.caller.provider).toBe("entra");
    expect(viaEntra.seen.provider).toBe("entra");
    expect(viaEntra.seen.subject).toBe(ada.oid); // the same person: oid, though Entra's pairwise sub differs
    expect(viaEntra.seen.claims.sub).not.toBe(viaEntra.caller.claims.sub);
    expect(viaEntra.seen.claims.azp).toBe(orders.clientId);

    world.entra.fault({ endpoint: "all", mode: "refused" });
    try {
      // The web app's health check finds Entra gone (its background probes would, within seconds).
      const health = await web.health();
      expect(health.find((h) => h.provider === "entra")?.status).toBe("down");
      const kcUser = await newUser();
      const atEu = await signInAt(web, kcUser);
      expect(atEu.provider).toBe("eu");
      const viaEu = await callStockAs(atEu.tokens.accessToken);
      expect(viaEu.caller.provider).toBe("eu");
      expect(viaEu.seen.provider).toBe("eu");
      expect(viaEu.seen.subject).toBe(kcUser.id);
      expect(viaEu.seen.claims.azp).toBe(clients.orders.clientId);
    } finally {
      world.entra.clearFaults();
    }
  });

  it("a token of one provider is only ever exchanged at that provider, never at the other", async () => {
    const ada = world.newEntraUser();
    const session = await signInAt(webApp(), ada);
    const before = world.entra.requests.length;
    world.entra.fault({ endpoint: "token", mode: "http503" });
    try {
      const error = await rejectionOf(
        ordersApi.exchange(session.tokens.accessToken, {
          audience: { entra: "api://stock", eu: clients.stock.clientId },
        }),
      );
      // Entra is down: the exchange fails as an outage — it does not move to Keycloak with Entra's token.
      expect(error).toMatchObject({ code: "provider_unavailable", provider: "entra" });
      expect(world.entra.requests.length).toBeGreaterThan(before);
    } finally {
      world.entra.clearFaults();
    }
  });
});

describe("Entra's on-behalf-of refusals, in the taxonomy", () => {
  let token: string;
  beforeAll(async () => {
    token = (await signInAt(webApp(), world.newEntraUser())).tokens.accessToken;
  });

  it("consent missing for the downstream API: interaction_required (AADSTS65001)", async () => {
    world.entra.setConsent(orders.clientId, stock.clientId, []);
    try {
      const error = await rejectionOf(ordersApi.exchange(token, { audience: { entra: "api://stock" } }));
      expect(error).toMatchObject({
        code: "interaction_required",
        reason: "consent_required",
        provider: "entra",
      });
    } finally {
      world.entra.setConsent(orders.clientId, stock.clientId, undefined);
    }
  });

  it("Conditional Access demands MFA for the downstream API: interaction_required with Entra's claims challenge", async () => {
    world.entra.setConditionalAccess(stock.clientId, { id: POLICY, grant: "mfa" });
    try {
      const error = await rejectionOf(
        ordersApi.exchange(token, { scope: { entra: "api://stock/Stock.Read" } }),
      );
      expect(error).toMatchObject({ code: "interaction_required", reason: "mfa_required" });
      const challenge = JSON.parse((error as { claimsChallenge: string }).claimsChallenge);
      expect(challenge.access_token.capolids.values).toEqual([POLICY]);
    } finally {
      world.entra.setConditionalAccess(stock.clientId, undefined);
    }
  });

  it("a token issued for another app than the API: token_invalid (AADSTS500131), never an outage", async () => {
    // A web-app token for the stock API itself, presented by the orders API.
    const forStock = await signInAt(
      createIdentity({ providers: [world.entraWeb({ scope: "openid profile api://stock/Stock.Read" })] }),
      world.newEntraUser(),
    );
    const error = await rejectionOf(
      ordersApi.exchange(forStock.tokens.accessToken, { audience: { entra: "api://stock" } }),
    );
    expect(error).toMatchObject({ code: "token_invalid", reason: "subject_token", provider: "entra" });
  });
});

describe("one API, Entra's bearer tokens and Keycloak's DPoP-bound tokens side by side", () => {
  it("each passes as what it is; neither passes as the other", async () => {
    const url = "https://orders.example.eu/orders";
    const audience = { entra: orders.clientId, eu: clients.orders.clientId };
    const entraToken = (await signInAt(webApp(), world.newEntraUser())).tokens.accessToken;
    const kcUser = await newUser();
    const dpopWeb = createIdentity({
      providers: [
        keycloak({
          id: "eu",
          issuer: issuerOf(),
          clientId: clients.dpop.clientId,
          clientSecret: clients.dpop.secret,
          redirectUri: REDIRECT_URI,
          dpop: true,
        }),
      ],
    });
    const kcSession = await signInAt(dpopWeb, kcUser);

    const bearer = { proof: undefined, method: "GET", url, scheme: "Bearer" } as const;
    expect((await ordersApi.verifyAccessToken(entraToken, { audience, dpop: bearer })).provider).toBe(
      "entra",
    );
    const proof = await dpopWeb.dpopProof(kcSession, { method: "GET", url });
    const bound = await ordersApi.verifyAccessToken(kcSession.tokens.accessToken, {
      audience,
      dpop: { proof, method: "GET", url, scheme: "DPoP" },
    });
    expect(bound.subject).toBe(kcUser.id);
    // The Keycloak token without its proof, as a bearer token: refused.
    await expect(
      ordersApi.verifyAccessToken(kcSession.tokens.accessToken, { audience, dpop: bearer }),
    ).rejects.toMatchObject({ code: "token_invalid", reason: "dpop_binding" });
    // Entra's bearer token under the DPoP scheme: refused too (RFC 9449 §7.1).
    await expect(
      ordersApi.verifyAccessToken(entraToken, { audience, dpop: { ...bearer, proof, scheme: "DPoP" } }),
    ).rejects.toMatchObject({ code: "token_invalid", reason: "dpop_binding" });
  });
});
