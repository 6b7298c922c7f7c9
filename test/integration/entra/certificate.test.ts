/**
 * entraId with a certificate instead of a secret, against the emulator
 * (docs/reference/entra-id.md §9.2): client credentials and sign-in, both header generations,
 * and the refusals a certificate can meet, in the taxonomy.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EntraProvider, entraId } from "../../../src/index.js";
import {
  type ClientCertificate,
  createClientCertificate,
  createEntraEmulator,
  type EntraApp,
  type EntraEmulator,
  type EntraTenant,
} from "../../../src/testing/index.js";
import { signInThroughSignInPage } from "../../support/entra-login.js";
import { idSwitchErrorOf } from "../../support/rejection.js";

const REDIRECT = "http://localhost:3000/callback/entra";
let entra: EntraEmulator;
let tenant: EntraTenant;
let api: EntraApp;
let daemon: EntraApp;
let web: EntraApp;
let cert: ClientCertificate;
let stranger: ClientCertificate;

beforeAll(async () => {
  entra = await createEntraEmulator();
  [cert, stranger] = await Promise.all([createClientCertificate(), createClientCertificate()]);
  tenant = entra.addTenant({ domain: "contoso.example" });
  api = entra.addApp({
    tenantId: tenant.id,
    displayName: "api",
    accessTokenVersion: 2,
    appRoles: ["Data.Read"],
  });
  daemon = entra.addApp({ tenantId: tenant.id, displayName: "daemon", certificates: [cert.certificate] });
  entra.grantAppRoles(daemon.clientId, api.clientId, ["Data.Read"]);
  web = entra.addApp({
    tenantId: tenant.id,
    displayName: "web",
    certificates: [cert.certificate],
    redirectUris: [REDIRECT],
  });
});
afterAll(() => entra?.close());

function withCertificate(
  clientId: string,
  clientCertificate: { privateKey: string; certificate: string; algorithm?: "PS256" | "RS256" },
  extra: { redirectUri?: string; now?: () => number } = {},
): EntraProvider {
  return entraId({
    id: "entra",
    tenantId: tenant.id,
    clientId,
    clientCertificate,
    authority: entra.url,
    v1IssuerBase: entra.v1IssuerBase,
    ...(extra.redirectUri ? { redirectUri: extra.redirectUri } : {}),
    ...(extra.now ? { runtime: { now: extra.now } } : {}),
  });
}

const scope = () => `${api.identifierUri}/.default`;
/** What the SDK is given of a certificate: the key and the certificate itself. */
const credential = (c: ClientCertificate) => ({ privateKey: c.privateKey, certificate: c.certificate });

describe("entraId with a certificate", () => {
  it.each(["PS256", "RS256"] as const)(
    "client credentials with %s: an app token marked azpacr 2",
    async (algorithm) => {
      const provider = withCertificate(daemon.clientId, { ...credential(cert), algorithm });
      const tokens = await provider.clientCredentials({ scope: scope() });
      const principal = await provider.verifyAccessToken(tokens.accessToken, { audience: api.clientId });
      expect(principal).toMatchObject({ subject: daemon.servicePrincipalId, roles: ["Data.Read"] });
      expect(principal.claims.azpacr).toBe("2");
    },
  );

  it("signs a user in (code flow) and refreshes, authenticating with the certificate", async () => {
    const provider = withCertificate(web.clientId, credential(cert), { redirectUri: REDIRECT });
    const password = `pw-${randomUUID()}`;
    const user = entra.addUser({
      tenantId: tenant.id,
      userPrincipalName: `u-${randomUUID().slice(0, 6)}@contoso.example`,
      password,
    });
    const { url, state } = await provider.beginLogin();
    const outcome = await signInThroughSignInPage(
      url.href,
      { username: user.userPrincipalName, password },
      {
        redirectUriPrefix: REDIRECT,
      },
    );
    if (!("callbackUrl" in outcome)) throw new Error(`no callback: ${JSON.stringify(outcome)}`);
    const session = await provider.completeLogin(outcome.callbackUrl, state);
    expect(session.principal).toMatchObject({ subject: user.oid, tenant: tenant.id });
    const refreshed = await provider.refresh(session);
    expect(refreshed.principal.subject).toBe(user.oid);
    expect(refreshed.tokens.refreshToken).toBeDefined();
  });
});

describe("certificate refusals", () => {
  it("another key under the registered certificate: client_suspended (AADSTS700027)", async () => {
    const provider = withCertificate(daemon.clientId, {
      privateKey: stranger.privateKey,
      certificate: cert.certificate,
    });
    expect(await idSwitchErrorOf(provider.clientCredentials({ scope: scope() }))).toMatchObject({
      code: "client_suspended",
      reason: "client_credentials_rejected",
      providerAnswer: { status: 401, error: "invalid_client", details: { error_codes: [700027] } },
    });
  });

  it("a certificate the app does not have: client_suspended (AADSTS700027)", async () => {
    const provider = withCertificate(daemon.clientId, credential(stranger));
    expect(await idSwitchErrorOf(provider.clientCredentials({ scope: scope() }))).toMatchObject({
      code: "client_suspended",
      providerAnswer: { details: { error_codes: [700027] } },
    });
  });

  it("an assertion already expired (a clock two hours slow): invalid_credentials (AADSTS500133)", async () => {
    const provider = withCertificate(daemon.clientId, credential(cert), {
      now: () => Date.now() - 2 * 3_600_000,
    });
    expect(await idSwitchErrorOf(provider.clientCredentials({ scope: scope() }))).toMatchObject({
      code: "invalid_credentials",
      reason: "client_assertion_invalid",
      retryable: false,
      providerAnswer: { details: { error_codes: [500133] } },
    });
  });
});
