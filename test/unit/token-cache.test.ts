/**
 * The verified-token cache through the public API (`createIdentity` and an
 * `oidc()` provider over an injected fetch): an entry is bound to the key
 * material that verified it, lives at most `tokenCache.maxAgeSeconds`, and
 * hands out principals no caller can change.
 */
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { VerifiedTokenCache } from "../../src/identity/token-cache.js";
import {
  createIdentity,
  type IdentityOptionsInput,
  IdSwitchError,
  oidc,
  type Principal,
} from "../../src/index.js";
import { idSwitchErrorOf } from "../support/rejection.js";

const ISSUER = "https://idp.example.test/realms/acme";
const JWKS_URI = `${ISSUER}/certs`;
const NOW = Date.parse("2026-11-28T12:00:00Z");
const TEN_YEARS = 10 * 365 * 24 * 3600;

interface SigningKey {
  /** The public key as published; `kid` only when the key has one. */
  readonly jwk: JWK;
  readonly privateKey: CryptoKey;
}

async function signingKey(kid?: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), alg: "RS256", use: "sig", ...(kid ? { kid } : {}) };
  return { jwk, privateKey };
}

/** Discovery and a key set whose published keys a test replaces, served through an injected fetch. */
function issuerPublishing(initial: SigningKey[]) {
  const idp = {
    published: initial,
    keyRequests: 0,
    async fetch(input: string | URL | Request): Promise<Response> {
      const url = input instanceof Request ? input.url : String(input);
      if (url === `${ISSUER}/.well-known/openid-configuration`) {
        return Response.json({
          issuer: ISSUER,
          authorization_endpoint: `${ISSUER}/auth`,
          token_endpoint: `${ISSUER}/token`,
          jwks_uri: JWKS_URI,
          response_types_supported: ["code"],
        });
      }
      if (url === JWKS_URI) {
        idp.keyRequests += 1;
        return Response.json({ keys: idp.published.map((key) => key.jwk) });
      }
      return new Response("not found", { status: 404 });
    },
  };
  return idp;
}

let clock = NOW;
const seconds = () => Math.floor(clock / 1000);

function sign(key: SigningKey, claims: JWTPayload = {}, kid = key.jwk.kid): Promise<string> {
  return new SignJWT({
    iss: ISSUER,
    sub: "u-1",
    aud: "api",
    iat: seconds(),
    exp: seconds() + 3600,
    ...claims,
  })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", ...(kid ? { kid } : {}) })
    .sign(key.privateKey);
}

function identityOver(
  idp: ReturnType<typeof issuerPublishing>,
  tokenCache: IdentityOptionsInput["tokenCache"] = { maxEntries: 100 },
) {
  const provider = oidc({
    id: "partner",
    issuer: ISSUER,
    clientId: "app",
    runtime: { fetch: (input) => idp.fetch(input), now: () => clock },
  });
  return createIdentity({ providers: [provider], tokenCache, telemetry: false, now: () => clock });
}

/** Makes the key set fetch again, as a token with a `kid` it has never seen does once the cooldown passed. */
async function refreshKeys(identity: ReturnType<typeof identityOver>, stranger: SigningKey): Promise<void> {
  clock += 31_000; // past the default 30 s cooldown on unknown kids
  const unknown = await sign(stranger, {}, "never-published");
  await idSwitchErrorOf(identity.verifyAccessToken(unknown, { audience: "api" }));
}

beforeEach(() => {
  clock = NOW;
});

describe("a cached token and the key that verified it", () => {
  it.each([
    ["under the same kid", "k1"],
    ["that has no kid", undefined],
  ])("is refused once the provider replaces a key %s", async (_, kid) => {
    const [old, replacement, stranger] = await Promise.all([signingKey(kid), signingKey(kid), signingKey()]);
    const idp = issuerPublishing([old]);
    const identity = identityOver(idp);
    const token = await sign(old);
    const first = await identity.verifyAccessToken(token, { audience: "api" });
    expect(await identity.verifyAccessToken(token, { audience: "api" })).toBe(first); // cached
    idp.published = [replacement];
    await refreshKeys(identity, stranger);
    expect(idp.keyRequests).toBe(2);
    const err = await idSwitchErrorOf(identity.verifyAccessToken(token, { audience: "api" }));
    expect(err).toMatchObject({ code: "token_invalid", reason: "signature", provider: "partner" });
  });

  it("is refused once its key is gone when the keys go stale, with the longest allowed entry life", async () => {
    const [old, replacement] = await Promise.all([signingKey("k1"), signingKey("k1")]);
    const idp = issuerPublishing([old]);
    const identity = identityOver(idp, { maxEntries: 100, maxAgeSeconds: 3600 });
    const token = await sign(old, { exp: seconds() + TEN_YEARS });
    await identity.verifyAccessToken(token, { audience: "api" });
    idp.published = [replacement];
    clock += 11 * 60_000; // the key set is refetched after 10 minutes, when a token needs it
    await identity.verifyAccessToken(await sign(replacement, { sub: "u-2" }), { audience: "api" });
    expect(idp.keyRequests).toBe(2);
    const err = await idSwitchErrorOf(identity.verifyAccessToken(token, { audience: "api" }));
    expect(err).toMatchObject({ code: "token_invalid", reason: "signature" });
  });

  it("still answers from the cache while the key that verified it is published", async () => {
    const [one, two] = await Promise.all([signingKey("k1"), signingKey("k2")]);
    const idp = issuerPublishing([one, two]);
    const identity = identityOver(idp);
    const token = await sign(one);
    const first = await identity.verifyAccessToken(token, { audience: "api" });
    await identity.verifyAccessToken(await sign(two, { sub: "u-2" }), { audience: "api" });
    expect(await identity.verifyAccessToken(token, { audience: "api" })).toBe(first);
    expect(idp.keyRequests).toBe(1);
  });
});

describe("an entry's life", () => {
  it("ends after tokenCache.maxAgeSeconds (default 300 s) however far away the token's exp is", async () => {
    const key = await signingKey("k1");
    const identity = identityOver(issuerPublishing([key]));
    const token = await sign(key, { exp: seconds() + TEN_YEARS });
    const first = await identity.verifyAccessToken(token, { audience: "api" });
    clock += 299_000;
    expect(await identity.verifyAccessToken(token, { audience: "api" })).toBe(first);
    clock += 2_000;
    const again = await identity.verifyAccessToken(token, { audience: "api" });
    expect(again).not.toBe(first); // verified anew, not served from the cache
    expect(again).toEqual(first);
  });

  it("follows a shorter maxAgeSeconds, and never outlives the token's exp", async () => {
    const key = await signingKey("k1");
    const identity = identityOver(issuerPublishing([key]), { maxEntries: 100, maxAgeSeconds: 60 });
    const long = await sign(key, { exp: seconds() + TEN_YEARS });
    const short = await sign(key, { sub: "u-2", exp: seconds() + 30 });
    const first = await identity.verifyAccessToken(long, { audience: "api" });
    await identity.verifyAccessToken(short, { audience: "api" });
    clock += 61_000;
    expect(await identity.verifyAccessToken(long, { audience: "api" })).not.toBe(first);
    const expired = await idSwitchErrorOf(identity.verifyAccessToken(short, { audience: "api" }));
    expect(expired.reason).toBe("expired");
  });

  it("refuses a maxAgeSeconds that is not a positive whole number up to an hour", async () => {
    const idp = issuerPublishing([]);
    for (const maxAgeSeconds of [0, -5, 1.5, 3601]) {
      const err = (() => {
        try {
          identityOver(idp, { maxEntries: 100, maxAgeSeconds });
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(IdSwitchError);
      expect((err as IdSwitchError).issues?.map((i) => i.path)).toEqual(["tokenCache.maxAgeSeconds"]);
    }
  });
});

describe("principals handed out", () => {
  const claims = { roles: ["reader"], groups: ["staff"], realm_access: { roles: ["offline"] } };

  /** Tries every kind of change an application might make; in strict mode (ESM) each one throws. */
  function tamper(principal: Principal): unknown[] {
    const attempts: (() => void)[] = [
      () => {
        (principal.roles as string[]).push("admin");
      },
      () => {
        (principal.groups as string[])[0] = "admins";
      },
      () => {
        (principal as { subject: string }).subject = "someone-else";
      },
      () => {
        (principal.claims as Record<string, unknown>).roles = ["admin"];
      },
      () => {
        (principal.claims.realm_access as { roles: string[] }).roles.push("admin");
      },
    ];
    return attempts.map((attempt) => {
      try {
        attempt();
        return undefined;
      } catch (err) {
        return err;
      }
    });
  }

  for (const tokenCache of [{ maxEntries: 100 }, false] as const) {
    it(`are frozen, so a change cannot reach the next answer (tokenCache: ${JSON.stringify(tokenCache)})`, async () => {
      const key = await signingKey("k1");
      const identity = identityOver(issuerPublishing([key]), tokenCache);
      const token = await sign(key, claims);
      const first = await identity.verifyAccessToken(token, { audience: "api" });
      const errors = tamper(first);
      expect(errors.every((err) => err instanceof TypeError)).toBe(true);
      const next = await identity.verifyAccessToken(token, { audience: "api" });
      expect(next).toMatchObject({ subject: "u-1", roles: ["reader"], groups: ["staff"] });
      expect(next.claims).toMatchObject(claims);
      expect(Object.isFrozen(next) && Object.isFrozen(next.roles) && Object.isFrozen(next.claims)).toBe(true);
    });
  }
});

describe("VerifiedTokenCache", () => {
  const principal = { provider: "p", expiresAt: Math.floor(NOW / 1000) + 3600 } as Principal;
  const keysOf = (...thumbprints: string[]) => new Map([["p", { signingKeys: () => new Set(thumbprints) }]]);

  it("answers only while the key that verified the entry is among the provider's keys", () => {
    const cache = new VerifiedTokenCache({ maxEntries: 10, maxAgeSeconds: 300 }, () => clock);
    cache.set("token", principal, "thumbprint-a", "api", undefined);
    expect(cache.lookup("token", "api", undefined, keysOf("thumbprint-a"))).toBe(principal);
    expect(cache.lookup("token", "api", undefined, keysOf("thumbprint-b"))).toBeUndefined();
    expect(cache.size).toBe(0); // a dead entry is dropped, not kept for later
    expect(cache.lookup("token", "api", undefined, keysOf("thumbprint-a"))).toBeUndefined();
  });

  it("keeps nothing it could not bind to a key", () => {
    const cache = new VerifiedTokenCache({ maxEntries: 10, maxAgeSeconds: 300 }, () => clock);
    cache.set("token", principal, undefined, "api", undefined);
    expect(cache.size).toBe(0);
  });
});
