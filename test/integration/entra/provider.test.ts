/**
 * What only Entra does, proven with the entraId provider against the
 * emulator: v1 vs v2 access tokens chosen by the resource, key rotation and
 * removal, tenant and application suspension, groups overage, verified email.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { type EntraProvider, entraId, hasGroupsOverage } from "../../../src/index.js";
import { createEntraEmulator, type EntraEmulator } from "../../../src/testing/index.js";
import { signInThroughSignInPage } from "../../support/entra-login.js";
import { idSwitchErrorOf } from "../../support/rejection.js";

const REDIRECT = "http://localhost:3000/callback/entra";
let entra: EntraEmulator;
afterAll(() => entra?.close());

/** A fresh emulator world per test: states and keys changed by one test never leak into another. */
async function world() {
  await entra?.close();
  entra = await createEntraEmulator();
  const tenant = entra.addTenant({ domain: "contoso.example" });
  const apiV1 = entra.addApp({ tenantId: tenant.id, displayName: "legacy-api" });
  const apiV2 = entra.addApp({
    tenantId: tenant.id,
    displayName: "api",
    accessTokenVersion: 2,
    groupMembershipClaims: "SecurityGroup",
  });
  const web = entra.addApp({
    tenantId: tenant.id,
    displayName: "web",
    secret: "web-secret",
    redirectUris: [REDIRECT],
  });
  const daemon = entra.addApp({ tenantId: tenant.id, displayName: "daemon", secret: "daemon-secret" });
  entra.grantAppRoles(daemon.clientId, apiV2.clientId, []);
  entra.grantAppRoles(daemon.clientId, apiV1.clientId, []);
  const common = { tenantId: tenant.id, authority: entra.url, v1IssuerBase: entra.v1IssuerBase };
  const daemonProvider = (keySetCooldownSeconds = 30): EntraProvider =>
    entraId({
      id: "entra",
      ...common,
      clientId: daemon.clientId,
      clientSecret: "daemon-secret",
      keySetCooldownSeconds,
    });
  const webProvider = (scope: string): EntraProvider =>
    entraId({
      id: "entra",
      ...common,
      clientId: web.clientId,
      clientSecret: "web-secret",
      redirectUri: REDIRECT,
      scope,
    });
  const user = (extra: { mail?: string; groups?: string[] } = {}) => {
    const password = `pw-${randomUUID()}`;
    const created = entra.addUser({
      tenantId: tenant.id,
      userPrincipalName: `u-${randomUUID().slice(0, 6)}@contoso.example`,
      password,
      ...extra,
    });
    return { ...created, username: created.userPrincipalName, password };
  };
  return { tenant, apiV1, apiV2, web, daemon, daemonProvider, webProvider, user };
}

async function signIn(provider: EntraProvider, user: { username: string; password: string }) {
  const { url, state } = await provider.beginLogin();
  const outcome = await signInThroughSignInPage(url.href, user, { redirectUriPrefix: REDIRECT });
  if (!("callbackUrl" in outcome)) throw new Error(`no callback: ${JSON.stringify(outcome)}`);
  return provider.completeLogin(outcome.callbackUrl, state);
}

let w: Awaited<ReturnType<typeof world>>;
beforeEach(async () => {
  w = await world();
});

describe("Entra access tokens: the resource picks v1 or v2", () => {
  it("verifies a v2 token under the v2 issuer and a v1 token under the v1 issuer", async () => {
    const provider = w.daemonProvider();
    const v2 = await provider.clientCredentials({ scope: `${w.apiV2.identifierUri}/.default` });
    const v1 = await provider.clientCredentials({ scope: `${w.apiV1.identifierUri}/.default` });
    const p2 = await provider.verifyAccessToken(v2.accessToken, { audience: w.apiV2.clientId });
    expect(p2).toMatchObject({
      issuer: provider.issuers.v2,
      tenant: w.tenant.id,
      subject: w.daemon.servicePrincipalId,
    });
    const v1Audience = [w.apiV1.identifierUri, w.apiV1.clientId];
    const p1 = await provider.verifyAccessToken(v1.accessToken, { audience: v1Audience });
    expect(p1).toMatchObject({ issuer: provider.issuers.v1, tenant: w.tenant.id });
  });
});

describe("Entra signing keys", () => {
  it("follows a rotation: a new kid triggers one refetch once the cooldown allows it", async () => {
    const scope = `${w.apiV2.identifierUri}/.default`;
    const audience = w.apiV2.clientId;
    const eager = w.daemonProvider(0);
    const guarded = w.daemonProvider(30);
    const before = await eager.clientCredentials({ scope });
    await eager.verifyAccessToken(before.accessToken, { audience });
    await guarded.verifyAccessToken(before.accessToken, { audience });
    await entra.rotateSigningKey();
    const after = await eager.clientCredentials({ scope });
    await expect(eager.verifyAccessToken(after.accessToken, { audience })).resolves.toBeTruthy();
    // Within its cooldown an unknown kid may not make the provider refetch (a kid flood costs nothing).
    expect((await idSwitchErrorOf(guarded.verifyAccessToken(after.accessToken, { audience }))).reason).toBe(
      "unknown_key",
    );
    // The old key is still published: tokens it signed still verify.
    await expect(eager.verifyAccessToken(before.accessToken, { audience })).resolves.toBeTruthy();
  });

  it("refuses tokens of a retired key once the key set is refetched (the March 2021 removal)", async () => {
    const scope = `${w.apiV2.identifierUri}/.default`;
    const old = await w.daemonProvider().clientCredentials({ scope });
    await entra.rotateSigningKey({ retireOld: true });
    // A verifier that starts now sees only the new key.
    const err = await idSwitchErrorOf(
      w.daemonProvider().verifyAccessToken(old.accessToken, { audience: w.apiV2.clientId }),
    );
    expect(err.reason).toBe("unknown_key");
  });
});

describe("Entra suspensions", () => {
  it("a disabled application is client_suspended (AADSTS7000112)", async () => {
    entra.setAppState(w.daemon.clientId, "disabled");
    const err = await idSwitchErrorOf(
      w.daemonProvider().clientCredentials({ scope: `${w.apiV2.identifierUri}/.default` }),
    );
    expect(err).toMatchObject({
      code: "client_suspended",
      providerAnswer: { details: { error_codes: [7000112] } },
    });
  });

  it("an expired client secret is client_suspended (AADSTS7000222)", async () => {
    entra.setAppState(w.daemon.clientId, "secret_expired");
    const err = await idSwitchErrorOf(
      w.daemonProvider().clientCredentials({ scope: `${w.apiV2.identifierUri}/.default` }),
    );
    expect(err).toMatchObject({
      code: "client_suspended",
      providerAnswer: { status: 401, details: { error_codes: [7000222] } },
    });
  });

  it("a tenant blocked for inactivity is tenant_unavailable (AADSTS5000225)", async () => {
    const provider = w.daemonProvider();
    await provider.clientCredentials({ scope: `${w.apiV2.identifierUri}/.default` });
    entra.setTenantState(w.tenant.id, "blocked");
    const err = await idSwitchErrorOf(
      provider.clientCredentials({ scope: `${w.apiV2.identifierUri}/.default` }),
    );
    expect(err).toMatchObject({ code: "tenant_unavailable" });
  });

  it("a deleted tenant is tenant_unavailable already at discovery (AADSTS90002)", async () => {
    entra.setTenantState(w.tenant.id, "deleted");
    const err = await idSwitchErrorOf(
      w.daemonProvider().clientCredentials({ scope: `${w.apiV2.identifierUri}/.default` }),
    );
    expect(err).toMatchObject({ code: "tenant_unavailable" });
  });

  it("a disabled user's refresh is account_disabled (AADSTS50057), a locked user's sign-in is refused", async () => {
    const provider = w.webProvider("openid profile offline_access");
    const ada = w.user();
    const session = await signIn(provider, ada);
    entra.setUserState(ada.oid, "disabled");
    expect(await idSwitchErrorOf(provider.refresh(session))).toMatchObject({
      code: "account_disabled",
      providerAnswer: { details: { error_codes: [50057] } },
    });
    const bob = w.user();
    entra.setUserState(bob.oid, "locked");
    const { url } = await provider.beginLogin();
    const page = await signInThroughSignInPage(url.href, bob, { redirectUriPrefix: REDIRECT });
    expect(page).toMatchObject({ error: expect.stringContaining("AADSTS50053") });
  });

  it("an outage of the token endpoint is provider_unavailable; a 429 keeps Retry-After", async () => {
    const provider = w.daemonProvider();
    const scope = `${w.apiV2.identifierUri}/.default`;
    await provider.clientCredentials({ scope });
    entra.fault({ endpoint: "token", mode: "http429", retryAfterSeconds: 7 });
    expect(await idSwitchErrorOf(provider.clientCredentials({ scope }))).toMatchObject({
      code: "provider_unavailable",
      reason: "rate_limited",
      retryAfter: 7,
    });
    entra.clearFaults();
    await expect(provider.clientCredentials({ scope })).resolves.toHaveProperty("accessToken");
  });
});

describe("Entra identity claims", () => {
  it("subject is the oid in its tenant; sub (pairwise) and email are not keys", async () => {
    const ada = w.user({ mail: "ada@contoso.example" });
    const session = await signIn(w.webProvider("openid profile email offline_access"), ada);
    expect(session.principal).toMatchObject({ subject: ada.oid, tenant: w.tenant.id });
    expect(session.principal.claims.sub).not.toBe(ada.oid);
  });

  it("flags a groups overage instead of inventing groups", async () => {
    const groups = Array.from({ length: 201 }, () => randomUUID());
    const many = w.user({ groups });
    const session = await signIn(
      w.webProvider(`openid profile offline_access ${w.apiV2.identifierUri}/.default`),
      many,
    );
    const principal = await w
      .webProvider("openid")
      .verifyAccessToken(session.tokens.accessToken, { audience: w.apiV2.clientId });
    expect(principal.groups).toEqual([]);
    expect(hasGroupsOverage(principal.claims)).toBe(true);
  });
});
