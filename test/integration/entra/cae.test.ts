/**
 * CAE end to end with the entraId provider (docs/reference/entra-id.md §8): a cp1 sign-in, the
 * user's sessions revoked, the resource's claims challenge parsed by
 * parseClaimsChallenge, silent refresh refused, and a new sign-in carrying
 * the challenge's claims whose token the resource accepts.
 */
import { randomUUID } from "node:crypto";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createIdentity,
  type EntraProvider,
  entraId,
  MemoryStateStore,
  mergeClaimsRequests,
  parseClaimsChallenge,
} from "../../../src/index.js";
import { createEntraEmulator, type EntraEmulator } from "../../../src/testing/index.js";
import { signInThroughSignInPage } from "../../support/entra-login.js";
import { idSwitchErrorOf } from "../../support/rejection.js";

const REDIRECT = "http://localhost:3000/callback/entra";
const CP1 = '{"access_token":{"xms_cc":{"values":["cp1"]}}}';
let entra: EntraEmulator;
let provider: EntraProvider;
let user: { oid: string; username: string; password: string };

beforeAll(async () => {
  entra = await createEntraEmulator();
  const tenant = entra.addTenant({ domain: "contoso.example" });
  const api = entra.addApp({ tenantId: tenant.id, displayName: "api", accessTokenVersion: 2 });
  const web = entra.addApp({
    tenantId: tenant.id,
    displayName: "web",
    secret: "web-secret",
    redirectUris: [REDIRECT],
  });
  provider = entraId({
    id: "entra",
    tenantId: tenant.id,
    clientId: web.clientId,
    clientSecret: "web-secret",
    redirectUri: REDIRECT,
    scope: `openid profile offline_access ${api.identifierUri}/access_as_user`,
    authority: entra.url,
    v1IssuerBase: entra.v1IssuerBase,
  });
  const password = `pw-${randomUUID()}`;
  const created = entra.addUser({ tenantId: tenant.id, userPrincipalName: "ada@contoso.example", password });
  user = { oid: created.oid, username: created.userPrincipalName, password };
});
afterAll(() => entra?.close());

async function signIn(claims: string) {
  const { url, state } = await provider.beginLogin({ claims });
  expect(url.searchParams.get("claims")).toBe(claims);
  const outcome = await signInThroughSignInPage(url.href, user, { redirectUriPrefix: REDIRECT });
  if (!("callbackUrl" in outcome)) throw new Error(`no callback: ${JSON.stringify(outcome)}`);
  return provider.completeLogin(outcome.callbackUrl, state);
}

const callResource = (accessToken: string) =>
  fetch(entra.caeResource, { headers: { authorization: `Bearer ${accessToken}` } });

describe("CAE with entraId", () => {
  it("revoked user → claims challenge → parseClaimsChallenge → beginLogin({ claims }) → accepted again", async () => {
    const session = await signIn(CP1);
    expect((await callResource(session.tokens.accessToken)).status).toBe(200);

    entra.setUserState(user.oid, "tokens_revoked");
    const refused = await callResource(session.tokens.accessToken);
    expect(refused.status).toBe(401);
    const challenge = parseClaimsChallenge(refused.headers.get("www-authenticate") ?? "");
    expect(challenge).toMatchObject({ error: "insufficient_claims", realm: "" });
    const demanded = JSON.parse(challenge?.claims ?? "{}").access_token?.nbf?.value;
    expect(Number(demanded)).toBeGreaterThan(0);

    // Silent first (§8.3): the refresh token died with the sessions.
    expect(await idSwitchErrorOf(provider.refresh(session))).toMatchObject({ code: "session_revoked" });

    const again = await signIn(mergeClaimsRequests(CP1, challenge?.claims ?? "{}"));
    expect(again.principal.subject).toBe(user.oid);
    expect(decodeJwt(again.tokens.accessToken).nbf).toBeGreaterThanOrEqual(Number(demanded));
    expect((await callResource(again.tokens.accessToken)).status).toBe(200);
  });

  it("a claims challenge ends the app session on every instance sharing the store, as a logout would", async () => {
    // Entra sends third-party apps no back-channel logout: CAE's challenge is the signal they get.
    const state = new MemoryStateStore();
    const first = createIdentity({ providers: [provider], state, telemetry: false });
    const second = createIdentity({ providers: [provider], state, telemetry: false });
    try {
      entra.setUserState(user.oid, "active");
      const { url, state: login } = await first.beginLogin({ claims: CP1 });
      const outcome = await signInThroughSignInPage(url.href, user, { redirectUriPrefix: REDIRECT });
      if (!("callbackUrl" in outcome)) throw new Error(`no callback: ${JSON.stringify(outcome)}`);
      const session = await first.completeLogin(outcome.callbackUrl, login);
      expect(await second.isRevoked(session)).toBe(false);
      expect(await first.claimsChallenge(session, 'Bearer realm="", error="invalid_token"')).toBeUndefined();
      expect(await second.isRevoked(session)).toBe(false);

      entra.setUserState(user.oid, "tokens_revoked");
      const refused = await callResource(session.tokens.accessToken);
      const challenge = await first.claimsChallenge(session, refused.headers.get("www-authenticate") ?? "");
      expect(challenge).toMatchObject({ error: "insufficient_claims" });
      expect(await second.isRevoked(session)).toBe(true);
      // Ended here, the session is not even refreshed at Entra.
      expect(await idSwitchErrorOf(second.refresh(session))).toMatchObject({
        code: "session_revoked",
        reason: "signal",
      });
    } finally {
      entra.setUserState(user.oid, "active");
      await Promise.all([first.close(), second.close()]);
    }
  });
});
