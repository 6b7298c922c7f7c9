/**
 * OpenID Back-Channel Logout 1.0, the relying party's side, in the style of
 * the OpenID conformance suite's RP back-channel logout cases: a good logout
 * token ends the session it names (and only it); every malformed or foreign
 * one is refused with `token_invalid` and the session stays. The real
 * Keycloak's own logout tokens are in test/integration/signals.
 */
import { createPublicKey } from "node:crypto";
import { base64url, type JWTPayload } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { createIdentity, type Identity, type IdentitySession, oidc } from "../../../src/index.js";
import { attackerKey, b64, forge, hmacJwt, nowSeconds, partsOf } from "../../support/attacker.js";
import { createFakeIssuer, type FakeIssuer, signInAtFake } from "../../support/fake-issuer.js";

const EVENT = "http://schemas.openid.net/event/backchannel-logout";
const REDIRECT = "https://app.example.test/callback";

let idp: FakeIssuer;
let identity: Identity;

beforeEach(async () => {
  idp = await createFakeIssuer("https://idp.example.test/realms/acme");
  identity = createIdentity({
    providers: [
      oidc({
        id: "partner",
        issuer: idp.issuer,
        clientId: "app",
        clientSecret: "s",
        redirectUri: REDIRECT,
        runtime: { fetch: idp.fetch },
      }),
    ],
    telemetry: false,
  });
});

/** A sign-in with the provider session `sid`, tokens issued `later` seconds from now (after a logout of everything). */
const signIn = (sub: string, sid: string, later = 0): Promise<IdentitySession> =>
  signInAtFake(identity, idp, REDIRECT, { sub, sid, later });

/** The claims of a good logout token; an override of `undefined` leaves that claim out. */
function claims(overrides: Record<string, unknown> = {}): JWTPayload {
  const now = nowSeconds();
  return {
    iss: idp.issuer,
    aud: "app",
    iat: now,
    exp: now + 120,
    jti: crypto.randomUUID(),
    sub: "ada",
    sid: "sid-ada-1",
    events: { [EVENT]: {} },
    ...overrides,
  } as JWTPayload;
}

const logoutToken = (payload: JWTPayload = claims(), typ = "logout+jwt") => idp.sign(payload, { typ });

describe("back-channel logout: a good logout token", () => {
  it("ends the session it names on this and every instance sharing the store, and no other", async () => {
    const ada = await signIn("ada", "sid-ada-1");
    const adaElsewhere = await signIn("ada", "sid-ada-2");
    const bob = await signIn("bob", "sid-bob-1");
    expect(await identity.isRevoked(ada)).toBe(false);

    expect(await identity.backChannelLogout(await logoutToken())).toEqual({ provider: "partner", ended: 1 });

    expect(await identity.isRevoked(ada)).toBe(true);
    expect(await identity.isRevoked(adaElsewhere)).toBe(false);
    expect(await identity.isRevoked(bob)).toBe(false);
  });

  it("with only `sub`, ends every session of that person", async () => {
    const first = await signIn("ada", "sid-ada-1");
    const second = await signIn("ada", "sid-ada-2");
    const bob = await signIn("bob", "sid-bob-1");
    const token = await logoutToken(claims({ sid: undefined }));
    expect((await identity.backChannelLogout(token)).ended).toBe(2);
    expect([await identity.isRevoked(first), await identity.isRevoked(second)]).toEqual([true, true]);
    expect(await identity.isRevoked(bob)).toBe(false);
  });

  it("a revoked session is not refreshed: the provider is not even asked", async () => {
    const ada = await signIn("ada", "sid-ada-1");
    await identity.backChannelLogout(await logoutToken());
    let asked = false;
    idp.token = async () => {
      asked = true;
      return Response.json({ error: "invalid_grant" }, { status: 400 });
    };
    const withRefreshToken = { ...ada, tokens: { ...ada.tokens, refreshToken: "rt" } };
    await expect(identity.refresh(withRefreshToken)).rejects.toMatchObject({
      code: "session_revoked",
      provider: "partner",
    });
    expect(asked).toBe(false);
  });

  it("accepts an untyped token and `application/logout+jwt` (RFC 7515 §4.1.9)", async () => {
    await signIn("ada", "sid-ada-1");
    await signIn("ada", "sid-ada-2");
    const untyped = await idp.sign(claims(), { typ: null });
    expect((await identity.backChannelLogout(untyped)).ended).toBe(1);
    const typed = await logoutToken(claims({ sid: "sid-ada-2" }), "application/logout+jwt");
    expect((await identity.backChannelLogout(typed)).ended).toBe(1);
  });

  it("names a session this app does not know: accepted, nothing ended", async () => {
    const ada = await signIn("ada", "sid-ada-1");
    const result = await identity.backChannelLogout(await logoutToken(claims({ sid: "sid-unknown" })));
    expect(result).toEqual({ provider: "partner", ended: 0 });
    expect(await identity.isRevoked(ada)).toBe(false);
  });

  it("a logout that overtakes the recording of its session still ends it (the sign-in is refused)", async () => {
    await identity.backChannelLogout(await logoutToken(claims({ sid: "sid-early" })));
    await expect(signIn("ada", "sid-early")).rejects.toMatchObject({ code: "session_revoked" });
    // Another session of the same person is not affected.
    expect(await identity.isRevoked(await signIn("ada", "sid-later"))).toBe(false);
  });
});

describe("back-channel logout: refused, and the session stays", () => {
  let ada: IdentitySession;
  beforeEach(async () => {
    ada = await signIn("ada", "sid-ada-1");
  });

  async function refused(token: string, reason: string) {
    await expect(identity.backChannelLogout(token)).rejects.toMatchObject({ code: "token_invalid", reason });
    expect(await identity.isRevoked(ada)).toBe(false);
  }

  it("alg none", async () => {
    await refused(`${b64({ alg: "none", typ: "logout+jwt" })}.${b64(claims())}.`, "algorithm");
  });

  it("no events claim", async () => {
    await refused(await logoutToken(claims({ events: undefined })), "token_type");
  });

  it("events without the back-channel logout member", async () => {
    const wrong = { "http://schemas.openid.net/event/frontchannel-logout": {} };
    await refused(await logoutToken(claims({ events: wrong })), "token_type");
  });

  it("the event member is not a JSON object", async () => {
    await refused(await logoutToken(claims({ events: { [EVENT]: "yes" } })), "token_type");
  });

  it("a nonce present (an ID token replayed as a logout token)", async () => {
    await refused(await logoutToken(claims({ nonce: "n-1" })), "token_type");
  });

  it("typed as another kind of token", async () => {
    await refused(await logoutToken(claims(), "JWT"), "token_type");
  });

  it("neither sid nor sub", async () => {
    await refused(await logoutToken(claims({ sid: undefined, sub: undefined })), "claims");
  });

  it("no jti", async () => {
    await refused(await logoutToken(claims({ jti: undefined })), "claims");
  });

  it("no exp", async () => {
    await refused(await logoutToken(claims({ exp: undefined })), "claims");
  });

  it("expired", async () => {
    const past = nowSeconds() - 3600;
    await refused(await logoutToken(claims({ iat: past - 120, exp: past })), "expired");
  });

  it("an unexpected algorithm: HS256 keyed with the provider's public key", async () => {
    const pem = createPublicKey({ key: idp.publicJwk as never, format: "jwk" })
      .export({ type: "spki", format: "pem" })
      .toString();
    const token = hmacJwt(
      "HS256",
      new TextEncoder().encode(pem),
      { typ: "logout+jwt", kid: "key-1" },
      claims(),
    );
    await refused(token, "algorithm");
  });

  it("wrong aud", async () => {
    await refused(await logoutToken(claims({ aud: "another-client" })), "audience");
  });

  it("wrong iss (signed by the provider's key all the same)", async () => {
    await expect(
      identity.backChannelLogout(await logoutToken(claims({ iss: "https://idp.example.test/realms/other" }))),
    ).rejects.toMatchObject({ code: "token_invalid", reason: "issuer" });
    expect(await identity.isRevoked(ada)).toBe(false);
  });

  it("an unknown issuer is refused before any network call", async () => {
    const before = idp.requests.length;
    const attacker = await attackerKey("RS256", { kid: "key-1" });
    await refused(
      forge(attacker, claims({ iss: "https://attacker.example" }), { typ: "logout+jwt" }),
      "issuer",
    );
    expect(idp.requests.length).toBe(before);
  });

  it("a bad signature (signed by another key under the provider's kid)", async () => {
    const attacker = await attackerKey("RS256", { kid: "key-1" });
    await refused(forge(attacker, claims(), { typ: "logout+jwt" }), "signature");
  });

  it("a tampered payload", async () => {
    const [header, , signature] = partsOf(await logoutToken());
    const payload = base64url.encode(JSON.stringify(claims({ sid: "sid-ada-1", sub: "ada", jti: "other" })));
    await refused(`${header}.${payload}.${signature}`, "signature");
  });

  it("a replayed jti: the second delivery ends nothing (not even a later session)", async () => {
    const token = await logoutToken(claims({ sid: undefined }));
    expect((await identity.backChannelLogout(token)).ended).toBe(1);
    const later = await signIn("ada", "sid-ada-3", 1);
    await expect(identity.backChannelLogout(token)).rejects.toMatchObject({
      code: "token_invalid",
      reason: "replayed",
    });
    expect(await identity.isRevoked(later)).toBe(false);
  });
});
