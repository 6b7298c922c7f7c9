/**
 * The facade's side of DPoP and exchange, against an issuer served through
 * an injected fetch: what the security review of the first version found,
 * each with the test that failed before its fix.
 */
import { Hono } from "hono";
import * as jose from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createIdentity, MemoryStateStore, oidc, type Provider, type StateStore } from "../../src/index.js";
import { bearerAuth as honoBearer, type IdswitchEnv } from "../../src/integrations/hono/index.js";
import { createDpopProof } from "../../src/tokens/dpop.js";
import { createFakeIssuer, type FakeIssuer } from "../support/fake-issuer.js";
import { idSwitchErrorOf } from "../support/rejection.js";

const URL_ORDERS = "https://api.example.eu/orders";
let idp: FakeIssuer;
let pair: CryptoKeyPair;
let jkt: string;

beforeAll(async () => {
  idp = await createFakeIssuer();
  pair = (await jose.generateKeyPair("ES256")) as CryptoKeyPair;
  jkt = await jose.calculateJwkThumbprint(await jose.exportJWK(pair.publicKey));
});

const provider = () =>
  oidc({
    id: "op",
    issuer: idp.issuer,
    clientId: "api",
    clientSecret: "s3cret",
    runtime: { fetch: idp.fetch },
  });

async function boundToken(extra: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return idp.sign({ sub: "u-1", aud: "api", iat: now, exp: now + 300, cnf: { jkt }, ...extra });
}

/** A shared store that can be taken down: every call fails while `down`. */
function flakyStore(): StateStore & { down: boolean } {
  const inner = new MemoryStateStore();
  const store = { down: false } as StateStore & { down: boolean };
  for (const method of ["get", "set", "delete", "add", "take", "increment", "compareAndSet"] as const) {
    (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) =>
      store.down
        ? Promise.reject(new Error("store unreachable"))
        : (inner[method] as (...a: unknown[]) => Promise<unknown>).apply(inner, args);
  }
  return store;
}

describe("a proof spent while the shared store was unreachable", () => {
  it("is not good again once the store answers", async () => {
    const state = flakyStore();
    let clock = Date.now();
    const identity = createIdentity({ providers: [provider()], state, now: () => clock });
    const token = await boundToken();
    const proof = await createDpopProof(pair, { method: "GET", url: URL_ORDERS, accessToken: token });
    const dpop = { proof, method: "GET", url: URL_ORDERS, scheme: "DPoP" } as const;
    state.down = true;
    await identity.verifyAccessToken(token, { audience: "api", dpop });
    state.down = false;
    clock += 10_000; // past the guarded store's cool-down: it asks the shared store again
    const error = await idSwitchErrorOf(identity.verifyAccessToken(token, { audience: "api", dpop }));
    expect(error).toMatchObject({ code: "token_invalid", reason: "dpop_proof" });
  });
});

describe("the facade reads the binding from the token itself", () => {
  it("a provider whose claims lose cnf does not make a bound token a bearer token", async () => {
    const real = provider();
    // A hand-written provider (or an enrichment) that rebuilds the claims without cnf.
    const lossy = new Proxy(real, {
      get(target, property) {
        if (property === "verifyAccessTokenWithKey") {
          return async (...args: Parameters<NonNullable<Provider["verifyAccessTokenWithKey"]>>) => {
            const verified = await target.verifyAccessTokenWithKey(...args);
            const { cnf: _dropped, ...claims } = verified.principal.claims;
            return { ...verified, principal: { ...verified.principal, claims } };
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as Provider;
    const identity = createIdentity({ providers: [lossy], tokenCache: { maxEntries: 10 } });
    const token = await boundToken();
    for (let i = 0; i < 2; i++) {
      // Twice: fresh, then from the token cache.
      const error = await idSwitchErrorOf(identity.verifyAccessToken(token, { audience: "api" }));
      expect(error).toMatchObject({ code: "token_invalid", reason: "dpop_binding" });
    }
  });
});

describe("exchange and DPoP-bound subject tokens", () => {
  it("a bound token is exchanged only after this API checked its proof: a thief's copy does not come back unbound", async () => {
    const exchanged: string[] = [];
    idp.token = async (form) => {
      exchanged.push(form.get("subject_token") ?? "");
      return Response.json({
        access_token: await idp.sign({ sub: "u-1", aud: "stock" }),
        token_type: "Bearer",
        expires_in: 300,
      });
    };
    const identity = createIdentity({ providers: [provider()] });
    const token = await boundToken();
    const error = await idSwitchErrorOf(identity.exchange(token, { audience: "stock" }));
    expect(error).toMatchObject({ code: "token_invalid", reason: "dpop_binding" });
    expect(exchanged).toHaveLength(0);

    const proof = await createDpopProof(pair, { method: "GET", url: URL_ORDERS, accessToken: token });
    await identity.verifyAccessToken(token, {
      audience: "api",
      dpop: { proof, method: "GET", url: URL_ORDERS, scheme: "DPoP" },
    });
    const downstream = await identity.exchange(token, { audience: "stock" });
    expect(downstream.accessToken.split(".")).toHaveLength(3);
    expect(exchanged).toEqual([token]);
  });

  it("an RFC 8693 invalid_target is the provider's no (access_blocked), not an outage", async () => {
    idp.token = async () => Response.json({ error: "invalid_target" }, { status: 400 });
    const identity = createIdentity({ providers: [provider()] });
    const now = Math.floor(Date.now() / 1000);
    const token = await idp.sign({ sub: "u-1", aud: "api", iat: now, exp: now + 300 });
    const error = await idSwitchErrorOf(identity.exchange(token, { audience: "nowhere" }));
    expect(error).toMatchObject({ code: "access_blocked", reason: "invalid_target" });
  });
});

describe("bearerAuth's origin: proofs are checked against the API's public URL, not the Host the client sent", () => {
  it("a proof for another server with this path fails; one for the configured origin passes", async () => {
    const identity = createIdentity({ providers: [provider()] });
    const app = new Hono<IdswitchEnv>();
    app.use("/api/*", honoBearer({ identity, audience: "api", origin: "https://api.example.eu" }));
    app.get("/api/orders", (c) => c.json({ subject: c.get("idswitch")?.principal?.subject }));
    const token = await boundToken();
    // The request names another host (a proxy, or an attacker's Host header).
    const requested = "http://other.example/api/orders";
    const call = async (proofUrl: string) =>
      app.request(requested, {
        headers: {
          authorization: `DPoP ${token}`,
          dpop: await createDpopProof(pair, { method: "GET", url: proofUrl, accessToken: token }),
        },
      });
    expect((await call(requested)).status).toBe(401);
    expect((await call("https://api.example.eu/api/orders")).status).toBe(200);
  });

  it("an origin with a path is refused when the middleware is made", () => {
    const identity = createIdentity({ providers: [provider()] });
    expect(() => honoBearer({ identity, audience: "api", origin: "https://api.example.eu/v1" })).toThrow(
      /origin/,
    );
  });
});
