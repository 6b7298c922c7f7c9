/**
 * A multi-tenant app (`tenantId: "organizations"`) against the emulator:
 * users of two allowed tenants sign in through `/organizations`, each under
 * their own tenant's issuer; a user of a tenant not on the list signs in at
 * Entra (the app is multi-tenant there) and is refused by the provider.
 */
import { randomUUID } from "node:crypto";
import { generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EntraProvider, entraId } from "../../../src/index.js";
import { createEntraEmulator, type EntraEmulator } from "../../../src/testing/index.js";
import { approveDeviceLogin, signInThroughSignInPage } from "../../support/entra-login.js";
import { idSwitchErrorOf } from "../../support/rejection.js";

const REDIRECT = "http://localhost:3000/callback/entra";
let entra: EntraEmulator;
let w: Awaited<ReturnType<typeof world>>;

async function world() {
  const home = entra.addTenant({ domain: "contoso.example" });
  const partner = entra.addTenant({ domain: "fabrikam.example" });
  const stranger = entra.addTenant({ domain: "attacker.example" });
  const web = entra.addApp({
    tenantId: home.id,
    displayName: "portal",
    secret: "portal-secret",
    redirectUris: [REDIRECT],
    multiTenant: true,
  });
  const legacyApi = entra.addApp({ tenantId: home.id, displayName: "legacy-api", multiTenant: true });
  const cli = entra.addApp({ tenantId: home.id, displayName: "cli", publicClient: true, multiTenant: true });
  const provider = (
    extra: { clientId?: string; clientSecret?: string; scope?: string } = {},
  ): EntraProvider =>
    entraId({
      id: "entra",
      tenantId: "organizations",
      allowedTenants: [home.id, partner.id],
      clientId: web.clientId,
      clientSecret: "portal-secret",
      redirectUri: REDIRECT,
      authority: entra.url,
      v1IssuerBase: entra.v1IssuerBase,
      ...extra,
    });
  const user = (tenantId: string, domain: string) => {
    const password = `pw-${randomUUID()}`;
    const created = entra.addUser({
      tenantId,
      userPrincipalName: `u-${randomUUID().slice(0, 6)}@${domain}`,
      password,
    });
    return { ...created, username: created.userPrincipalName, password };
  };
  return { home, partner, stranger, web, legacyApi, cli, provider, user };
}

async function signIn(provider: EntraProvider, user: { username: string; password: string }) {
  const { url, state } = await provider.beginLogin();
  const outcome = await signInThroughSignInPage(url.href, user, { redirectUriPrefix: REDIRECT });
  if (!("callbackUrl" in outcome)) throw new Error(`no callback: ${JSON.stringify(outcome)}`);
  return { url, completion: provider.completeLogin(outcome.callbackUrl, state) };
}

beforeAll(async () => {
  entra = await createEntraEmulator();
  w = await world();
});
afterAll(() => entra?.close());

describe("Entra multi-tenant app (organizations + allowedTenants)", () => {
  it("signs in users of both allowed tenants through /organizations, each under its own issuer", async () => {
    const provider = w.provider();
    expect(provider.issuer).toBe(`${entra.url}/{tenantid}/v2.0`);
    for (const [tenant, domain] of [
      [w.home.id, "contoso.example"],
      [w.partner.id, "fabrikam.example"],
    ] as const) {
      const person = w.user(tenant, domain);
      const { url, completion } = await signIn(provider, person);
      expect(url.pathname).toBe("/organizations/oauth2/v2.0/authorize");
      const session = await completion;
      expect(session.principal).toMatchObject({
        subject: person.oid,
        tenant,
        issuer: entra.issuerV2(tenant),
      });
      // The refreshed ID token is verified under the same tenant's issuer.
      const refreshed = await provider.refresh(session);
      expect(refreshed.principal).toMatchObject({ subject: person.oid, tenant });
    }
  });

  it("refuses a user of a tenant that is not on the list, though Entra signed them in", async () => {
    const provider = w.provider();
    const outsider = w.user(w.stranger.id, "attacker.example");
    const { completion } = await signIn(provider, outsider);
    const err = await idSwitchErrorOf(completion);
    expect(err).toMatchObject({ code: "token_invalid", reason: "issuer", provider: "entra" });
  });

  it("checks the sign-in's nonce itself, as openid-client never sees the ID token", async () => {
    const provider = w.provider();
    const person = w.user(w.home.id, "contoso.example");
    const { url, state } = await provider.beginLogin();
    const outcome = await signInThroughSignInPage(url.href, person, { redirectUriPrefix: REDIRECT });
    if (!("callbackUrl" in outcome)) throw new Error("no callback");
    const replayed = { ...state, nonce: "a-nonce-of-another-sign-in" };
    const err = await idSwitchErrorOf(provider.completeLogin(outcome.callbackUrl, replayed));
    expect(err).toMatchObject({ code: "token_invalid", reason: "nonce" });
  });

  it("accepts a v1 access token of an allowed tenant under that tenant's v1 issuer", async () => {
    const provider = w.provider({
      scope: `openid profile offline_access ${w.legacyApi.identifierUri}/.default`,
    });
    const person = w.user(w.partner.id, "fabrikam.example");
    const session = await (await signIn(provider, person)).completion;
    const principal = await provider.verifyAccessToken(session.tokens.accessToken, {
      audience: w.legacyApi.identifierUri,
    });
    expect(principal).toMatchObject({ tenant: w.partner.id, issuer: entra.issuerV1(w.partner.id) });
  });

  it("refuses a token whose tid names one allowed tenant and whose iss the other, without a request", async () => {
    const provider = w.provider();
    const { privateKey } = await generateKeyPair("RS256");
    const forged = await new SignJWT({
      tid: w.home.id,
      oid: randomUUID(),
      azp: w.web.clientId,
      ver: "2.0",
    })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: "forged" })
      .setIssuer(entra.issuerV2(w.partner.id))
      .setAudience(w.web.clientId)
      .setExpirationTime("1h")
      .sign(privateKey);
    const before = entra.requests.length;
    const err = await idSwitchErrorOf(provider.verifyAccessToken(forged, { audience: w.web.clientId }));
    expect(err).toMatchObject({ code: "token_invalid", reason: "issuer" });
    expect(entra.requests.length).toBe(before);
  });

  it("completes a device login of an allowed tenant's user through /organizations", async () => {
    const provider = entraId({
      id: "entra",
      tenantId: "organizations",
      allowedTenants: [w.home.id, w.partner.id],
      clientId: w.cli.clientId,
      scope: "openid profile offline_access",
      authority: entra.url,
      v1IssuerBase: entra.v1IssuerBase,
    });
    const person = w.user(w.partner.id, "fabrikam.example");
    const handle = await provider.beginDeviceLogin();
    await approveDeviceLogin(entra.url, handle.userCode, person);
    const session = await provider.completeDeviceLogin(handle);
    expect(session.principal).toMatchObject({ subject: person.oid, tenant: w.partner.id });
  });
});
