/**
 * The parts of token exchange and client-side DPoP that need no provider:
 * the exchange cache's rules, the on-behalf-of request Entra gets, the
 * `dpop` option's validation, and a session's key surviving JSON.
 */
import { decodeProtectedHeader, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import type { TokenSet } from "../../src/core/types.js";
import { ExchangeCache, exchangeKey } from "../../src/identity/exchange-cache.js";
import { entraId, IdSwitchError, keycloak, oidc } from "../../src/index.js";
import { onBehalfOfRequest } from "../../src/providers/entra/on-behalf-of.js";
import { DpopKeys } from "../../src/providers/oidc/dpop-client.js";
import { tokenExchangeRequest } from "../../src/providers/oidc/engine.js";

const tokens = (accessToken: string, expiresAt: number | undefined): TokenSet => ({
  accessToken,
  tokenType: "bearer",
  expiresAt,
  refreshToken: undefined,
  idToken: undefined,
  scope: undefined,
});

describe("the exchange cache", () => {
  it("answers until 30 s before expiry, then asks again", async () => {
    let now = 1_000_000_000_000;
    const cache = new ExchangeCache(() => now);
    let asked = 0;
    const exchange = async () => tokens(`t${++asked}`, now / 1000 + 300);
    expect((await cache.get("k", undefined, exchange)).accessToken).toBe("t1");
    now += 269_000;
    expect((await cache.get("k", undefined, exchange)).accessToken).toBe("t1");
    now += 2_000; // 29 s left
    expect((await cache.get("k", undefined, exchange)).accessToken).toBe("t2");
  });

  it("makes one request for concurrent identical exchanges, and keeps no failure", async () => {
    const cache = new ExchangeCache(() => 0);
    let asked = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = async () => {
      asked++;
      await gate;
      return tokens("shared", 600);
    };
    const both = Promise.all([cache.get("k", undefined, slow), cache.get("k", undefined, slow)]);
    release();
    const [a, b] = await both;
    expect(a.accessToken).toBe("shared");
    expect(b).toBe(a);
    expect(asked).toBe(1);
    await expect(cache.get("x", undefined, () => Promise.reject(new Error("refused")))).rejects.toThrow(
      "refused",
    );
    expect((await cache.get("x", undefined, async () => tokens("after", 600))).accessToken).toBe("after");
  });

  it("never keeps a token whose lifetime it was not told", async () => {
    const cache = new ExchangeCache(() => 0);
    let asked = 0;
    const exchange = async () => tokens(`t${++asked}`, undefined);
    await cache.get("k", undefined, exchange);
    await cache.get("k", undefined, exchange);
    expect(asked).toBe(2);
    expect(cache.size).toBe(0);
  });

  it("stays bounded: the least recently used entry goes first", async () => {
    const cache = new ExchangeCache(() => 0);
    for (let i = 0; i < 1_001; i++) await cache.get(`k${i}`, undefined, async () => tokens(`t${i}`, 600));
    expect(cache.size).toBe(1_000);
    let asked = 0;
    await cache.get("k0", undefined, async () => tokens(`again${++asked}`, 600));
    expect(asked).toBe(1); // k0 was the oldest: gone
  });

  it("answers nothing for a subject token past its exp, and hands out frozen answers", async () => {
    let now = 1_000_000_000_000;
    const cache = new ExchangeCache(() => now);
    const subjectExp = now / 1000 + 60;
    let asked = 0;
    const exchange = async () => tokens(`t${++asked}`, now / 1000 + 3600);
    const first = await cache.get("k", subjectExp, exchange);
    expect(Object.isFrozen(first)).toBe(true);
    now += 61_000; // the subject token has expired; the exchanged one has not
    expect((await cache.get("k", subjectExp, exchange)).accessToken).toBe("t2");
  });

  it("keys on the provider, the subject token and every word naming the downstream API", () => {
    const keys = new Set([
      exchangeKey("eu", "a", { audience: "stock" }),
      exchangeKey("entra", "a", { audience: "stock" }),
      exchangeKey("eu", "b", { audience: "stock" }),
      exchangeKey("eu", "a", { audience: "stock", scope: "read" }),
      exchangeKey("eu", "a", { resource: "stock" }),
    ]);
    expect(keys.size).toBe(5);
  });
});

describe("the exchange requests", () => {
  it("Keycloak: RFC 8693 for an access token", () => {
    expect(tokenExchangeRequest("subject", { audience: "stock", scope: "read" })).toEqual({
      grantType: "urn:ietf:params:oauth:grant-type:token-exchange",
      parameters: {
        subject_token: "subject",
        subject_token_type: "urn:ietf:params:oauth:token-type:access_token",
        requested_token_type: "urn:ietf:params:oauth:token-type:access_token",
        audience: "stock",
        scope: "read",
      },
    });
  });

  it("Entra: the on-behalf-of JWT bearer grant; an audience is asked for as its .default scope", () => {
    expect(onBehalfOfRequest("subject", { audience: "api://stock/" })).toEqual({
      grantType: "urn:ietf:params:oauth:grant-type:jwt-bearer",
      parameters: {
        assertion: "subject",
        requested_token_use: "on_behalf_of",
        scope: "api://stock/.default",
      },
    });
    expect(onBehalfOfRequest("s", { scope: "api://stock/read", audience: "api://x" }).parameters.scope).toBe(
      "api://stock/read",
    );
    expect(() => onBehalfOfRequest("s", { resource: "https://stock.example" })).toThrow(TypeError);
  });
});

describe("the dpop option", () => {
  const issuer = "https://auth.example.eu/realms/acme";
  it("takes true or a key pair; anything else is refused with its path", () => {
    expect(() => keycloak({ id: "eu", issuer, clientId: "app", dpop: true })).not.toThrow();
    try {
      oidc({ id: "x", issuer, clientId: "app", dpop: { keyPair: "not a key" } as never });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(IdSwitchError);
      expect((err as IdSwitchError).issues?.[0]).toMatchObject({
        path: "dpop",
        message: expect.stringMatching(/CryptoKeyPair/),
      });
    }
  });

  it("is not an Entra ID option: Entra does not implement RFC 9449", () => {
    try {
      entraId({
        id: "entra",
        tenantId: "11111111-1111-1111-1111-111111111111",
        clientId: "app",
        dpop: true,
      } as never);
      expect.unreachable();
    } catch (err) {
      expect((err as IdSwitchError).code).toBe("config_invalid");
      expect((err as IdSwitchError).issues?.map((i) => i.path)).toContain("dpop");
    }
  });

  it("a session's key survives JSON: the same key signs after the round trip", async () => {
    const keys = new DpopKeys(true, "eu");
    const { key } = await keys.forNewSession();
    const restored = JSON.parse(JSON.stringify(key));
    const { keyPair, key: again } = await keys.forTokens(restored);
    expect(again.jkt).toBe(key.jkt);
    const proof = await import("../../src/tokens/dpop.js").then((m) =>
      m.createDpopProof(keyPair, { method: "GET", url: "https://api.example/x" }),
    );
    const jwk = decodeProtectedHeader(proof).jwk;
    const { calculateJwkThumbprint } = await import("jose");
    expect(await calculateJwkThumbprint(jwk as never)).toBe(key.jkt);
  });

  it("the client key (client credentials, exchanges) stays in the provider: tokens carry its thumbprint only", async () => {
    const keys = new DpopKeys(true, "eu");
    const { key } = await keys.forClient();
    expect(key.jwk).toBeUndefined();
    expect((await keys.forTokens({ jkt: key.jkt })).key.jkt).toBe(key.jkt);
    await expect(new DpopKeys(true, "eu").forTokens({ jkt: key.jkt })).rejects.toThrow(/does not hold/);
  });

  it("an app's key: tokens carry its thumbprint only, and a session bound to another key is refused", async () => {
    const keys = new DpopKeys({ keyPair: await generateKeyPair("ES256") }, "eu");
    const { key } = await keys.forNewSession();
    expect(key.jwk).toBeUndefined();
    await expect(keys.forTokens({ jkt: "another" })).rejects.toThrow(/does not hold/);
  });
});
