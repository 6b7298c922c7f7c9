/**
 * SECURITY.md #9 (token types), #11, #12d, #18, #21, #22, #26: the
 * browser flows of a client that talks to two authorization servers, and
 * what a signed-in person's tokens and claims may (not) be used for.
 * Entra ID emulator + real Keycloak behind one createIdentity; sign-ins go
 * through each provider's real sign-in page over HTTP.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentity, type Identity, type IdentitySession } from "../../src/index.js";
import {
  ENTRA_REDIRECT,
  signInAt,
  type TwoProviders,
  twoProviders,
} from "../integration/identity/two-providers.js";
import { recordingFetch } from "../support/attacker.js";
import { signInThroughSignInPage } from "../support/entra-login.js";
import { appProvider, newUser, REDIRECT_URI } from "../support/keycloak-env.js";
import { signInThroughLoginForm } from "../support/keycloak-login.js";
import { idSwitchErrorOf } from "../support/rejection.js";

let world: TwoProviders;
beforeAll(async () => {
  world = await twoProviders();
});
afterAll(() => world.close());

/** Both providers, each with a recording fetch. */
function stage(extra: Partial<Parameters<typeof createIdentity>[0]> = {}) {
  const entraFetch = recordingFetch();
  const euFetch = recordingFetch();
  const identity = createIdentity({
    providers: [
      world.entraWeb({ runtime: { fetch: entraFetch.fetch } }),
      appProvider({ runtime: { fetch: euFetch.fetch } }),
    ],
    routing: { order: ["entra", "eu"] },
    ...extra,
  });
  const tokenRequests = () => ({
    entra: entraFetch.count("/token", "POST"),
    eu: euFetch.count("/token", "POST"),
  });
  return { identity, entraFetch, euFetch, tokenRequests };
}

/** Signs in at a provider's page and returns the callback URL, without completing the login. */
async function callbackFrom(
  identity: Identity,
  provider: "entra" | "eu",
  user: { username: string; password: string },
) {
  const request = await identity.beginLogin({ provider });
  const result =
    provider === "entra"
      ? await signInThroughSignInPage(request.url.href, user, { redirectUriPrefix: ENTRA_REDIRECT })
      : await signInThroughLoginForm(request.url.href, user, { redirectUriPrefix: REDIRECT_URI });
  if (!("callbackUrl" in result))
    throw new Error(`sign-in at ${provider} refused: ${JSON.stringify(result)}`);
  return { callback: new URL(result.callbackUrl), state: request.state };
}

describe("A2#21 mix-up between the two authorization servers", () => {
  it("A2#21 Keycloak's callback completed with Entra's login state is refused, and the code never reaches Entra", async () => {
    const { identity, tokenRequests } = stage();
    const keycloakUser = await newUser();
    const atKeycloak = await callbackFrom(identity, "eu", keycloakUser);
    expect(atKeycloak.callback.searchParams.get("iss")).toBeTruthy(); // Keycloak sends RFC 9207 iss
    const entraState = (await identity.beginLogin({ provider: "entra" })).state;
    // As it came, and with the state parameter swapped to Entra's (the attacker controls the URL).
    const swapped = new URL(atKeycloak.callback);
    swapped.searchParams.set("state", entraState.state);
    for (const callback of [atKeycloak.callback, swapped]) {
      const error = await idSwitchErrorOf(
        identity.completeLogin(callback, { ...entraState, state: entraState.state }),
      );
      expect(error).toMatchObject({ code: "token_invalid", provider: "entra" });
    }
    expect(tokenRequests()).toEqual({ entra: 0, eu: 0 });
  });

  it("A2#21 Entra's callback completed with Keycloak's login state is refused (Keycloak requires its iss), and the code never reaches Keycloak", async () => {
    const { identity, tokenRequests } = stage();
    const entraUser = world.newEntraUser();
    const atEntra = await callbackFrom(identity, "entra", entraUser);
    const keycloakState = (await identity.beginLogin({ provider: "eu" })).state;
    const swapped = new URL(atEntra.callback);
    swapped.searchParams.set("state", keycloakState.state);
    const error = await idSwitchErrorOf(identity.completeLogin(swapped, keycloakState));
    expect(error).toMatchObject({ code: "token_invalid", provider: "eu" });
    expect(tokenRequests()).toEqual({ entra: 0, eu: 0 });
  });

  it("A2#21 a login state relabelled to the other provider is refused before any request", async () => {
    const { identity, tokenRequests } = stage();
    const entraUser = world.newEntraUser();
    const atEntra = await callbackFrom(identity, "entra", entraUser);
    const error = await idSwitchErrorOf(
      identity.completeLogin(atEntra.callback, { ...atEntra.state, provider: "eu" }),
    );
    expect(error).toMatchObject({ code: "token_invalid", reason: "state" });
    expect(tokenRequests()).toEqual({ entra: 0, eu: 0 });
  });
});

/**
 * How each provider's refusal of a used code and of a wrong PKCE verifier (both `invalid_grant`:
 * Entra AADSTS54005 / AADSTS501481, Keycloak "Code not valid" / "PKCE verification failed") is classified.
 */
const CODE_REUSED = {
  entra: { provider: "entra", code: "session_revoked", reason: "grant_invalid" },
  eu: { provider: "eu", code: "session_revoked", reason: undefined },
};
const WRONG_VERIFIER = {
  entra: { provider: "entra", code: "session_revoked", reason: undefined },
  eu: { provider: "eu", code: "session_revoked", reason: undefined },
};

describe("A2#22 state, nonce, PKCE and code reuse", () => {
  it("A2#22 every authorization request carries PKCE S256, a fresh state and a nonce, at both providers", async () => {
    const { identity } = stage();
    const seen = new Set<string>();
    for (const provider of ["entra", "eu", "entra", "eu"] as const) {
      const { url, state } = await identity.beginLogin({ provider });
      expect(url.searchParams.get("code_challenge_method")).toBe("S256");
      expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(url.searchParams.get("state")).toBe(state.state);
      expect(url.searchParams.get("nonce")).toBe(state.nonce);
      expect(state.codeVerifier.length).toBeGreaterThanOrEqual(43);
      for (const value of [state.state, state.nonce, state.codeVerifier]) {
        expect(seen.has(value)).toBe(false);
        seen.add(value);
      }
    }
  });

  it("A2#22 a replayed login state is refused the second time", async () => {
    const { identity } = stage();
    const { callback, state } = await callbackFrom(identity, "eu", await newUser());
    await identity.completeLogin(callback, state);
    expect(await idSwitchErrorOf(identity.completeLogin(callback, state))).toMatchObject({
      code: "token_invalid",
      reason: "state",
    });
  });

  it("A2#22 an altered or missing state parameter in the callback is refused before the code is redeemed", async () => {
    for (const provider of ["entra", "eu"] as const) {
      const { identity, tokenRequests } = stage();
      const user = provider === "entra" ? world.newEntraUser() : await newUser();
      const { callback, state } = await callbackFrom(identity, provider, user);
      const altered = new URL(callback);
      altered.searchParams.set("state", `${state.state}x`);
      const missing = new URL(callback);
      missing.searchParams.delete("state");
      for (const url of [altered, missing]) {
        expect(await idSwitchErrorOf(identity.completeLogin(url, state)), provider).toMatchObject({
          code: "token_invalid",
          provider,
        });
      }
      expect(tokenRequests()).toEqual({ entra: 0, eu: 0 });
    }
  });

  it("A2#22 a code redeemed twice (from a second app instance with the same state) is refused by the provider", async () => {
    for (const provider of ["entra", "eu"] as const) {
      const first = stage();
      const user = provider === "entra" ? world.newEntraUser() : await newUser();
      const { callback, state } = await callbackFrom(first.identity, provider, user);
      await first.identity.completeLogin(callback, state);
      const second = stage(); // its own state store: only the provider can tell the code was used
      const error = await idSwitchErrorOf(second.identity.completeLogin(callback, state));
      expect(error.provider).toBe(provider);
      expect({ provider, code: error.code, reason: error.reason }).toEqual(CODE_REUSED[provider]);
      expect(second.tokenRequests()[provider]).toBe(1);
    }
  });

  it("A2#22 a token request with another PKCE verifier, or the ID token's nonce mismatching, is refused", async () => {
    for (const provider of ["entra", "eu"] as const) {
      const { identity } = stage();
      const user = provider === "entra" ? world.newEntraUser() : await newUser();
      const { callback, state } = await callbackFrom(identity, provider, user);
      const wrongVerifier = await idSwitchErrorOf(
        identity.completeLogin(callback, {
          ...state,
          codeVerifier: `${state.codeVerifier.slice(0, -4)}AAAA`,
        }),
      );
      expect({ provider, code: wrongVerifier.code, reason: wrongVerifier.reason }).toEqual(
        WRONG_VERIFIER[provider],
      );
      const again = await callbackFrom(identity, provider, user);
      const wrongNonce = await idSwitchErrorOf(
        identity.completeLogin(again.callback, { ...again.state, nonce: randomUUID() }),
      );
      expect(wrongNonce).toMatchObject({ code: "token_invalid", provider });
    }
  });
});

describe("A2#26 refresh tokens across providers", () => {
  it("A2#26 a session of one provider relabelled as the other's is refused locally, with no request anywhere", async () => {
    const { identity, entraFetch, euFetch } = stage();
    const atEntra = await signInAt(identity, world.newEntraUser(), { provider: "entra" });
    const atKeycloak = await signInAt(identity, await newUser(), { provider: "eu" });
    entraFetch.requests.length = 0;
    euFetch.requests.length = 0;
    const relabelled: IdentitySession[] = [
      { ...atEntra, provider: "eu" },
      { ...atKeycloak, provider: "entra" },
      // The provider kept, the principal swapped: the refresh token would go to Entra with Keycloak's identity.
      { ...atEntra, principal: atKeycloak.principal, tokens: atKeycloak.tokens },
    ];
    for (const session of relabelled) await expect(identity.refresh(session)).rejects.toThrow(TypeError);
    expect(entraFetch.requests).toEqual([]);
    expect(euFetch.requests).toEqual([]);
  });
});

describe("A2#9 token types and A2#12d Graph tokens", () => {
  it("A2#9 an ID token of either provider, presented as an access token with its own audience, is refused", async () => {
    const { identity } = stage();
    const atEntra = await signInAt(identity, world.newEntraUser(), { provider: "entra" });
    const atKeycloak = await signInAt(identity, await newUser(), { provider: "eu" });
    const webClientId = String(atEntra.principal.claims.aud);
    for (const [provider, token, audience] of [
      ["entra", atEntra.tokens.idToken, { entra: webClientId, eu: "app" }],
      ["eu", atKeycloak.tokens.idToken, { entra: webClientId, eu: "app" }],
    ] as const) {
      expect(await idSwitchErrorOf(identity.verifyAccessToken(String(token), { audience }))).toMatchObject({
        code: "token_invalid",
        reason: "token_type",
        provider,
      });
    }
    // Keycloak's refresh token (HS512, for Keycloak itself) is not a bearer token either.
    expect(
      await idSwitchErrorOf(
        identity.verifyAccessToken(String(atKeycloak.tokens.refreshToken), { audience: { eu: "app" } }),
      ),
    ).toMatchObject({ code: "token_invalid", reason: "algorithm", provider: "eu" });
  });

  it("A2#12d an Entra access token for Microsoft Graph is refused, even by an API that names Graph as its audience", async () => {
    const graphOnly = createIdentity({
      providers: [world.entraWeb({ scope: "openid profile email offline_access" }), appProvider()],
    });
    const session = await signInAt(graphOnly, world.newEntraUser(), { provider: "entra" });
    const token = session.tokens.accessToken;
    const header = JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString()) as Record<
      string,
      unknown
    >;
    expect(header).toHaveProperty("nonce");
    const aud = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()).aud as string;
    for (const audience of [{ entra: world.apiAudience }, { entra: aud }]) {
      expect(await idSwitchErrorOf(graphOnly.verifyAccessToken(token, { audience }))).toMatchObject({
        code: "token_invalid",
        provider: "entra",
        reason: "signature",
      });
    }
  });
});

describe("A2#11 nOAuth and A2#18 confusable identifiers", () => {
  /** The app's own directory for the opt-in email lookup: exact, case-insensitive ASCII match. */
  function appDirectory(entries: Record<string, string>) {
    const asked: string[] = [];
    return {
      asked,
      lookup: async (email: string) => {
        asked.push(email);
        return entries[email];
      },
    };
  }

  it("A2#11 an Entra account whose email (unverified domain) is the victim's is not linked to the victim, even with email linking on", async () => {
    const entries: Record<string, string> = {};
    const directory = appDirectory(entries);
    const { identity } = stage({ linking: { dangerouslyLinkByVerifiedEmail: directory.lookup } });
    const keycloakVictim = await newUser();
    const victimEmail = `${keycloakVictim.username}@example.test`;
    const victim = await signInAt(identity, keycloakVictim, { provider: "eu" });
    expect(victim.principal).toMatchObject({ email: victimEmail, emailVerified: true });
    entries[victimEmail] = victim.appUserId; // from now on the app knows the victim by email
    directory.asked.length = 0;
    const password = `pw-${randomUUID()}`;
    const attacker = world.entra.addUser({
      tenantId: world.tenantId,
      userPrincipalName: `mallory-${randomUUID().slice(0, 6)}@contoso.example`,
      password,
      mail: victimEmail, // example.test is not a verified domain of the tenant
    });
    const session = await signInAt(
      identity,
      { username: attacker.userPrincipalName, password },
      { provider: "entra" },
    );
    expect(session.principal).toMatchObject({ email: victimEmail, emailVerified: false });
    expect(session.appUserId).not.toBe(victim.appUserId);
    expect(directory.asked).toEqual([]); // an unverified email is never even looked up
  });

  it("A2#11 the same email at two providers makes two distinct principals and app users without opt-in linking", async () => {
    const { identity } = stage();
    const keycloakUser = await newUser();
    const email = `${keycloakUser.username}@example.test`;
    const password = `pw-${randomUUID()}`;
    const entraUser = world.entra.addUser({
      tenantId: world.tenantId,
      userPrincipalName: `twin-${randomUUID().slice(0, 6)}@contoso.example`,
      password,
      mail: email,
    });
    const a = await signInAt(identity, keycloakUser, { provider: "eu" });
    const b = await signInAt(
      identity,
      { username: entraUser.userPrincipalName, password },
      { provider: "entra" },
    );
    expect(a.principal.email).toBe(b.principal.email);
    expect([a.principal.issuer, a.principal.subject]).not.toEqual([b.principal.issuer, b.principal.subject]);
    expect(a.appUserId).not.toBe(b.appUserId);
  });

  it("A2#18 a verified email that differs from the victim's only by a confusable (fullwidth, zero-width, KELVIN SIGN) is not linked to the victim", async () => {
    // The app's directory matches exactly; the SDK must not turn a look-alike into the victim's address.
    const victimAppUser = "app-user-kate";
    const known = appDirectory({ "kate@contoso.example": victimAppUser });
    const { identity } = stage({ linking: { dangerouslyLinkByVerifiedEmail: known.lookup } });
    for (const mail of [
      "\uFF4Bate@contoso.example",
      "ka\u200Bte@contoso.example",
      "\u212Aate@contoso.example",
    ]) {
      const password = `pw-${randomUUID()}`;
      const attacker = world.entra.addUser({
        tenantId: world.tenantId,
        userPrincipalName: `k-${randomUUID().slice(0, 6)}@contoso.example`,
        password,
        mail, // contoso.example is the tenant's verified domain: xms_edov true
      });
      const session = await signInAt(
        identity,
        { username: attacker.userPrincipalName, password },
        { provider: "entra" },
      );
      expect(session.principal).toMatchObject({ email: mail, emailVerified: true });
      const shown = mail.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase()}`);
      expect(session.appUserId, `${shown} was linked to kate@contoso.example`).not.toBe(victimAppUser);
    }
  });
});
