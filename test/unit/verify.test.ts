import { base64url, SignJWT } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { oidc } from "../../src/index.js";
import { createFakeIssuer, type FakeIssuer } from "../support/fake-issuer.js";
import { idSwitchErrorOf } from "../support/rejection.js";

const NOW = Date.parse("2026-11-28T12:00:00Z");
const nowSeconds = Math.floor(NOW / 1000);

let idp: FakeIssuer;
let clock = NOW;
const provider = () =>
  oidc({
    id: "partner",
    issuer: idp.issuer,
    clientId: "app",
    runtime: { fetch: idp.fetch, now: () => clock },
  });

beforeEach(async () => {
  idp = await createFakeIssuer();
  clock = NOW;
});

const claims = (extra: Record<string, unknown> = {}) => ({
  sub: "u-1",
  aud: "api",
  exp: nowSeconds + 300,
  iat: nowSeconds,
  ...extra,
});

describe("verifyAccessToken (generic OIDC engine)", () => {
  it("accepts a valid token and normalises it", async () => {
    const principal = await provider().verifyAccessToken(await idp.sign(claims({ scope: "read write" })), {
      audience: "api",
    });
    expect(principal).toMatchObject({ provider: "partner", subject: "u-1", scopes: ["read", "write"] });
  });

  it("rejects a token of an unknown issuer before any network call", async () => {
    const token = await idp.sign(claims({ iss: "https://evil.example" }));
    const err = await idSwitchErrorOf(provider().verifyAccessToken(token, { audience: "api" }));
    expect(err.reason).toBe("issuer");
    expect(idp.requests).toEqual([]);
  });

  it("requires an audience (a programmer error, thrown at once)", async () => {
    const token = await idp.sign(claims());
    await expect(provider().verifyAccessToken(token, {} as never)).rejects.toThrow(TypeError);
    await expect(provider().verifyAccessToken(token, { audience: [] })).rejects.toThrow(TypeError);
  });

  it("rejects the wrong audience", async () => {
    const err = await idSwitchErrorOf(
      provider().verifyAccessToken(await idp.sign(claims({ aud: "other" })), { audience: "api" }),
    );
    expect(err.reason).toBe("audience");
  });

  it("rejects an expired token by the injected clock", async () => {
    const token = await idp.sign(claims());
    clock = NOW + 10 * 60_000;
    const err = await idSwitchErrorOf(provider().verifyAccessToken(token, { audience: "api" }));
    expect(err.reason).toBe("expired");
  });

  it("rejects alg none without fetching keys", async () => {
    const header = base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }));
    const payload = base64url.encode(JSON.stringify({ iss: idp.issuer, ...claims() }));
    const err = await idSwitchErrorOf(
      provider().verifyAccessToken(`${header}.${payload}.`, { audience: "api" }),
    );
    expect(err.reason).toBe("algorithm");
    expect(idp.requests).toEqual([]);
  });

  it("rejects HS256 keyed with the provider's public key (algorithm confusion)", async () => {
    const secret = new TextEncoder().encode(JSON.stringify(idp.publicJwk));
    const forged = await new SignJWT({ iss: idp.issuer, ...claims() })
      .setProtectedHeader({ alg: "HS256", kid: "key-1" })
      .sign(secret);
    const err = await idSwitchErrorOf(provider().verifyAccessToken(forged, { audience: "api" }));
    expect(err.reason).toBe("algorithm");
  });

  it("rejects a tampered signature", async () => {
    const token = await idp.sign(claims());
    const [h, p, s] = token.split(".") as [string, string, string];
    const tampered = `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
    const err = await idSwitchErrorOf(provider().verifyAccessToken(tampered, { audience: "api" }));
    expect(err.reason).toBe("signature");
  });

  it("rejects an ID token presented as an access token", async () => {
    const err = await idSwitchErrorOf(
      provider().verifyAccessToken(await idp.sign(claims({ nonce: "n-1" })), { audience: "api" }),
    );
    expect(err.reason).toBe("token_type");
  });

  it("rejects an unknown key id", async () => {
    const err = await idSwitchErrorOf(
      provider().verifyAccessToken(await idp.sign(claims(), { kid: "nope" }), { audience: "api" }),
    );
    expect(err.reason).toBe("unknown_key");
  });

  it("rejects oversized and malformed tokens before parsing", async () => {
    const big = `${"a".repeat(20_000)}.b.c`;
    expect((await idSwitchErrorOf(provider().verifyAccessToken(big, { audience: "api" }))).reason).toBe(
      "too_large",
    );
    expect((await idSwitchErrorOf(provider().verifyAccessToken("a.b", { audience: "api" }))).reason).toBe(
      "malformed",
    );
    expect(idp.requests).toEqual([]);
  });

  it("enforces required scopes", async () => {
    const token = await idp.sign(claims({ scope: "read" }));
    const err = await idSwitchErrorOf(
      provider().verifyAccessToken(token, { audience: "api", requiredScopes: ["write"] }),
    );
    expect(err.message).toContain("write");
  });

  it("a token with several audiences must name its party in azp or client_id (OIDC Core §3.1.3.7)", async () => {
    const many = (extra: Record<string, unknown>) => idp.sign(claims({ aud: ["api", "other"], ...extra }));
    for (const party of [{ azp: "app" }, { client_id: "app" }]) {
      const principal = await provider().verifyAccessToken(await many(party), { audience: "api" });
      expect(principal.subject).toBe("u-1");
    }
    // A claim only one provider uses names nobody here: that provider supplies its own list.
    for (const party of [{}, { appid: "app" }]) {
      const err = await idSwitchErrorOf(provider().verifyAccessToken(await many(party), { audience: "api" }));
      expect(err.reason).toBe("audience");
    }
  });

  it("discovers once for concurrent first calls", async () => {
    const p = provider();
    const token = await idp.sign(claims());
    await Promise.all(Array.from({ length: 20 }, () => p.verifyAccessToken(token, { audience: "api" })));
    expect(idp.requests.filter((u) => u.endsWith("/openid-configuration"))).toHaveLength(1);
    expect(idp.requests.filter((u) => u.endsWith("/certs"))).toHaveLength(1);
  });
});
