/**
 * DPoP (RFC 9449) in the integrations' `bearerAuth`: which scheme is taken
 * under which policy, what reaches `identity.verifyAccessToken` as its `dpop`
 * option, and the answers (statuses, `WWW-Authenticate` challenges,
 * `DPoP-Nonce`). The identity here is a stand-in that does what the facade
 * does with that option — `checkDpopBinding` on the token's claims — so these
 * tests need neither a provider nor a Keycloak.
 */
import { once } from "node:events";
import { get } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import * as jose from "jose";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { invalid } from "../../src/core/errors.js";
import {
  createIdentity,
  type Identity,
  type IdentityVerifyOptions,
  type IdSwitchError,
  oidc,
  type Principal,
} from "../../src/index.js";
import { BearerAuth, type BearerRequest } from "../../src/integrations/core/bearer.js";
import type { WebResponse } from "../../src/integrations/core/http.js";
import type { BearerOptionsInput } from "../../src/integrations/core/options.js";
import { bearerAuth as expressBearer } from "../../src/integrations/express/index.js";
import { bearerAuth as fastifyBearer } from "../../src/integrations/fastify/index.js";
import { bearerAuth as honoBearer, type IdswitchEnv } from "../../src/integrations/hono/index.js";
import { checkDpopBinding, createDpopProof, DPOP_ALGORITHMS } from "../../src/tokens/dpop.js";
import { createFakeIssuer } from "../support/fake-issuer.js";

const URL_A = "https://api.example/orders";
const ALGS = `algs="${DPOP_ALGORITHMS.join(" ")}"`;

type VerifyCall = IdentityVerifyOptions;

/**
 * An identity whose `verifyAccessToken` knows tokens by name: their claims, or
 * the failure to throw. With a `dpop` option it checks the binding as the
 * facade does; without one it refuses a bound token (the facade's rule for
 * a call that passes no proof).
 */
function fakeIdentity(tokens: Record<string, { claims?: Record<string, unknown>; fails?: IdSwitchError }>) {
  const calls: Array<{ token: string; options: VerifyCall }> = [];
  const seen = new Set<string>();
  const verifyAccessToken = async (token: string, options: VerifyCall): Promise<Principal> => {
    calls.push({ token, options });
    const known = tokens[token];
    if (known === undefined) throw invalid("op", "signature", "signature verification failed");
    if (known.fails) throw known.fails;
    const claims = known.claims ?? {};
    await checkDpopBinding(token, claims, options.dpop, {
      provider: "op",
      now: Date.now(),
      clockToleranceSeconds: 30,
      remember: async (key) => {
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      },
    });
    const scopes = typeof claims.scope === "string" ? claims.scope.split(" ") : [];
    return { provider: "op", subject: "u-1", scopes, claims } as unknown as Principal;
  };
  const unused = async () => {
    throw new Error("not used here");
  };
  const identity = {
    providers: [],
    beginLogin: unused,
    completeLogin: unused,
    refresh: unused,
    logoutUrl: unused,
    verifyAccessToken,
    isRevoked: unused,
    revokeSession: unused,
    backChannelLogout: unused,
  } as unknown as Identity;
  return { identity, calls };
}

let pair: CryptoKeyPair;
let jkt: string;
beforeAll(async () => {
  pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  jkt = await jose.calculateJwkThumbprint(await jose.exportJWK(pair.publicKey));
});

// Token strings are opaque to the stand-in; these look like JWTs so a leak would be visible.
const BOUND = "eyJhbGciOiJFUzI1NiJ9.eyJjbmYiOnsiamt0IjoiYm91bmQifX0.Ym91bmQtdG9rZW4tc2lnbmF0dXJl";
const PLAIN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJwbGFpbiJ9.cGxhaW4tdG9rZW4tc2lnbmF0dXJl";
const EXPIRED = "eyJhbGciOiJFUzI1NiJ9.eyJleHAiOjF9.ZXhwaXJlZC10b2tlbi1zaWduYXR1cmU";

function world(options: Partial<BearerOptionsInput> = {}, scope?: string) {
  const fake = fakeIdentity({
    [BOUND]: { claims: { cnf: { jkt, "kc-jkt-type": "DPoP" }, ...(scope ? { scope } : {}) } },
    [PLAIN]: { claims: { ...(scope ? { scope } : {}) } },
    [EXPIRED]: { fails: invalid("op", "expired", "token has expired") },
  });
  const bearer = new BearerAuth({ identity: fake.identity, audience: "api", ...options }, "test.bearerAuth");
  return { bearer, calls: fake.calls };
}

const proofFor = (token: string, method = "GET", url = URL_A, nonce?: string) =>
  createDpopProof(pair, { method, url, accessToken: token, ...(nonce ? { nonce } : {}) });

function req(
  authorization: string | undefined,
  dpop?: string,
  extra: Partial<BearerRequest> = {},
): BearerRequest {
  return { authorization, dpop, method: "GET", url: URL_A, ...extra };
}

function challenges(response: WebResponse): string[] {
  return response.headers.filter(([name]) => name === "WWW-Authenticate").map(([, value]) => value);
}

async function answer(bearer: BearerAuth, request: BearerRequest): Promise<WebResponse> {
  const outcome = await bearer.verify(request);
  if (!("response" in outcome)) throw new Error("expected a refusal");
  const text = JSON.stringify(outcome.response);
  for (const secret of [request.authorization, request.dpop]) {
    for (const part of secret?.split(/[ .]/) ?? []) if (part.length > 8) expect(text).not.toContain(part);
  }
  return outcome.response;
}

async function principalOf(bearer: BearerAuth, request: BearerRequest): Promise<Principal> {
  const outcome = await bearer.verify(request);
  if (!("principal" in outcome)) throw new Error(`refused: ${JSON.stringify(outcome.response)}`);
  return outcome.principal;
}

describe("bearerAuth and DPoP: what reaches verifyAccessToken", () => {
  it("takes `Authorization: DPoP` with its proof, and passes proof, method, URL, scheme and policy on", async () => {
    const { bearer, calls } = world();
    const proof = await proofFor(BOUND);
    expect((await principalOf(bearer, req(`DPoP ${BOUND}`, proof))).subject).toBe("u-1");
    expect(calls).toEqual([
      {
        token: BOUND,
        options: {
          audience: "api",
          dpop: { proof, method: "GET", url: URL_A, scheme: "DPoP", policy: "allowed", nonces: undefined },
        },
      },
    ]);
  });

  it("reads the scheme case-insensitively, and ignores a query the proof's htu leaves out", async () => {
    const { bearer } = world();
    const proof = await proofFor(BOUND);
    await principalOf(bearer, req(`dpop ${BOUND}`, proof, { url: `${URL_A}?page=2` }));
  });

  it("takes a Bearer token under `allowed`, telling the facade it came as Bearer", async () => {
    const { bearer, calls } = world();
    await principalOf(bearer, req(`Bearer ${PLAIN}`));
    expect(calls[0]?.options.dpop).toMatchObject({ scheme: "Bearer", proof: undefined, policy: "allowed" });
  });

  it("passes the nonces dpopNonces gives, asked per request", async () => {
    let current = ["n-1"];
    const { bearer, calls } = world({ dpopNonces: () => current });
    await principalOf(bearer, req(`DPoP ${BOUND}`, await proofFor(BOUND, "GET", URL_A, "n-1")));
    current = ["n-2", "n-1"];
    await principalOf(bearer, req(`DPoP ${BOUND}`, await proofFor(BOUND, "GET", URL_A, "n-1")));
    expect(calls.map((c) => c.options.dpop?.nonces)).toEqual([["n-1"], ["n-2", "n-1"]]);
  });

  it("an empty nonce list (none current while rotating) asks for no nonce, rather than refusing every proof", async () => {
    const { bearer, calls } = world({ dpopNonces: () => [] });
    await principalOf(bearer, req(`DPoP ${BOUND}`, await proofFor(BOUND)));
    expect(calls[0]?.options.dpop?.nonces).toBeUndefined();
  });

  it("`disabled` passes no dpop option, and takes the DPoP scheme for another one", async () => {
    const { bearer, calls } = world({ dpop: "disabled" });
    await principalOf(bearer, req(`Bearer ${PLAIN}`));
    expect(calls[0]?.options).toEqual({ audience: "api" });
    const response = await answer(bearer, req(`DPoP ${BOUND}`, await proofFor(BOUND)));
    expect(response.status).toBe(401);
    expect(challenges(response)).toEqual(["Bearer"]);
    expect(calls).toHaveLength(1);
  });

  it("`required` takes no Bearer token: the plain DPoP challenge, and no verification", async () => {
    const { bearer, calls } = world({ dpop: "required" });
    const response = await answer(bearer, req(`Bearer ${PLAIN}`));
    expect(response.status).toBe(401);
    expect(challenges(response)).toEqual([`DPoP ${ALGS}`]);
    expect(calls).toEqual([]);
  });
});

describe("bearerAuth and DPoP: the answers", () => {
  it("no token: both challenges under `allowed`, DPoP alone under `required`, Bearer alone when disabled", async () => {
    expect(challenges(await answer(world().bearer, req(undefined)))).toEqual(["Bearer", `DPoP ${ALGS}`]);
    expect(challenges(await answer(world({ realm: "orders" }).bearer, req(undefined)))).toEqual([
      'Bearer realm="orders"',
      `DPoP realm="orders", ${ALGS}`,
    ]);
    expect(challenges(await answer(world({ dpop: "required" }).bearer, req(undefined)))).toEqual([
      `DPoP ${ALGS}`,
    ]);
    expect(challenges(await answer(world({ dpop: "disabled" }).bearer, req(undefined)))).toEqual(["Bearer"]);
    const response = await answer(world().bearer, req("Basic dXNlcjpwYXNz"));
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: "unauthorized" });
  });

  it("a DPoP proof for another request: 401 invalid_dpop_proof, the DPoP challenge alone", async () => {
    const { bearer } = world();
    const response = await answer(bearer, req(`DPoP ${BOUND}`, await proofFor(BOUND, "POST")));
    expect(response.status).toBe(401);
    expect(challenges(response)).toEqual([
      `DPoP error="invalid_dpop_proof", error_description="the DPoP proof is invalid", ${ALGS}`,
    ]);
    expect(response.body).toEqual({
      error: "invalid_dpop_proof",
      error_description: "the DPoP proof is invalid",
    });
  });

  it("the DPoP scheme without a DPoP header: invalid_dpop_proof before any verification", async () => {
    const { bearer, calls } = world();
    const response = await answer(bearer, req(`DPoP ${BOUND}`));
    expect(challenges(response)).toEqual([
      `DPoP error="invalid_dpop_proof", error_description="the DPoP proof is invalid", ${ALGS}`,
    ]);
    expect(calls).toEqual([]);
  });

  it("two DPoP headers (joined by a comma): invalid_dpop_proof", async () => {
    const { bearer } = world();
    const proof = await proofFor(BOUND);
    const response = await answer(bearer, req(`DPoP ${BOUND}`, `${proof}, ${proof}`));
    expect(response.body).toMatchObject({ error: "invalid_dpop_proof" });
  });

  it("a replayed proof: invalid_dpop_proof", async () => {
    const { bearer } = world();
    const proof = await proofFor(BOUND);
    await principalOf(bearer, req(`DPoP ${BOUND}`, proof));
    expect((await answer(bearer, req(`DPoP ${BOUND}`, proof))).body).toMatchObject({
      error: "invalid_dpop_proof",
    });
  });

  it("a proof without the server's nonce: 401 use_dpop_nonce with the current nonce in DPoP-Nonce", async () => {
    const { bearer } = world({ dpopNonces: () => ["n-2", "n-1"] });
    const response = await answer(bearer, req(`DPoP ${BOUND}`, await proofFor(BOUND)));
    expect(response.status).toBe(401);
    expect(challenges(response)).toEqual([
      `DPoP error="use_dpop_nonce", error_description="the DPoP proof must carry the nonce the server gives", ${ALGS}`,
    ]);
    expect(response.headers).toContainEqual(["DPoP-Nonce", "n-2"]);
    // With it, the retry passes.
    await principalOf(bearer, req(`DPoP ${BOUND}`, await proofFor(BOUND, "GET", URL_A, "n-2")));
  });

  it("a nonce that cannot go in a header is the app's mistake (TypeError), never sent", async () => {
    const { bearer } = world({ dpopNonces: () => ['bad"nonce'] });
    await expect(bearer.verify(req(`DPoP ${BOUND}`, await proofFor(BOUND)))).rejects.toThrow(TypeError);
  });

  it("a bound token sent as Bearer: DPoP error=invalid_token, with the Bearer challenge beside it", async () => {
    const { bearer } = world();
    const response = await answer(bearer, req(`Bearer ${BOUND}`, await proofFor(BOUND)));
    expect(response.status).toBe(401);
    expect(challenges(response)).toEqual([
      `DPoP error="invalid_token", error_description="the token is not bound to the key of this DPoP proof", ${ALGS}`,
      "Bearer",
    ]);
  });

  it("an unbound token sent as DPoP: DPoP error=invalid_token", async () => {
    const { bearer } = world();
    const response = await answer(bearer, req(`DPoP ${PLAIN}`, await proofFor(PLAIN)));
    expect(challenges(response)[0]).toMatch(/^DPoP error="invalid_token"/);
  });

  it("a bound token while DPoP is disabled: refused (the facade's rule), in Bearer's words", async () => {
    const { bearer } = world({ dpop: "disabled" });
    const response = await answer(bearer, req(`Bearer ${BOUND}`));
    expect(challenges(response)).toEqual([
      'Bearer error="invalid_token", error_description="the token is not bound to the key of this DPoP proof"',
    ]);
  });

  it("another token failure: invalid_token in the scheme it came with, the other challenge beside it", async () => {
    const { bearer } = world();
    expect(challenges(await answer(bearer, req(`DPoP ${EXPIRED}`, await proofFor(EXPIRED))))).toEqual([
      `DPoP error="invalid_token", error_description="the token has expired", ${ALGS}`,
      "Bearer",
    ]);
    expect(challenges(await answer(bearer, req(`Bearer ${EXPIRED}`)))).toEqual([
      'Bearer error="invalid_token", error_description="the token has expired"',
      `DPoP ${ALGS}`,
    ]);
    const required = world({ dpop: "required" }).bearer;
    expect(challenges(await answer(required, req(`DPoP ${EXPIRED}`, await proofFor(EXPIRED))))).toEqual([
      `DPoP error="invalid_token", error_description="the token has expired", ${ALGS}`,
    ]);
  });

  it("a malformed DPoP header: 400 invalid_request in DPoP's words", async () => {
    const response = await answer(world().bearer, req("DPoP not a token", "x"));
    expect(response.status).toBe(400);
    expect(challenges(response)).toEqual([`DPoP error="invalid_request", ${ALGS}`]);
  });

  it("a missing scope under DPoP: 403 insufficient_scope in DPoP's words", async () => {
    const { bearer } = world({ requiredScopes: ["orders.write"] }, "orders.read");
    const response = await answer(bearer, req(`DPoP ${BOUND}`, await proofFor(BOUND)));
    expect(response.status).toBe(403);
    expect(challenges(response)).toEqual([`DPoP error="insufficient_scope", scope="orders.write", ${ALGS}`]);
  });

  it("checks the DPoP options when the middleware is made", () => {
    const error = (() => {
      try {
        new BearerAuth(
          { identity: fakeIdentity({}).identity, audience: "api", dpop: "maybe", dpopNonces: "n" } as never,
          "t",
        );
      } catch (err) {
        return err as IdSwitchError;
      }
      throw new Error("expected config_invalid");
    })();
    expect(error.code).toBe("config_invalid");
    expect(error.issues?.map((i) => i.path).sort()).toEqual(["dpop", "dpopNonces"]);
    expect(world().bearer.options.dpop).toBe("allowed");
  });
});

describe("bearerAuth and DPoP through each framework", () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  function options(): BearerOptionsInput {
    return {
      identity: fakeIdentity({ [BOUND]: { claims: { cnf: { jkt } } }, [PLAIN]: { claims: {} } }).identity,
      audience: "api",
    };
  }

  /** One GET over loopback, with the raw header lines (fetch would join the challenges). */
  function rawGet(url: string, headers: Record<string, string>) {
    return new Promise<{ status: number; challenges: string[] }>((resolve, reject) => {
      get(url, { headers }, (res) => {
        res.resume();
        const lines = res.rawHeaders;
        const found: string[] = [];
        for (let i = 0; i < lines.length; i += 2) {
          if (lines[i]?.toLowerCase() === "www-authenticate") found.push(lines[i + 1] ?? "");
        }
        res.on("end", () => resolve({ status: res.statusCode ?? 0, challenges: found }));
      }).on("error", reject);
    });
  }

  it("Express: a DPoP request passes; no token gets two WWW-Authenticate lines", async () => {
    const app = express();
    app.use("/api", expressBearer(options()));
    app.get("/api/orders", (req, res) => {
      res.json({ subject: req.idswitch?.principal?.subject });
    });
    const server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    closers.push(() => new Promise((resolve) => server.close(resolve)));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const proof = await proofFor(BOUND, "GET", `${base}/api/orders`);
    const ok = await rawGet(`${base}/api/orders?page=2`, { authorization: `DPoP ${BOUND}`, dpop: proof });
    expect(ok.status).toBe(200);
    const refused = await rawGet(`${base}/api/orders`, {});
    expect(refused).toEqual({ status: 401, challenges: ["Bearer", `DPoP ${ALGS}`] });
  });

  it("Fastify: a DPoP request passes (htu without the default port); no token gets both challenges", async () => {
    const app = Fastify();
    closers.push(() => app.close());
    app.get("/api/orders", { preHandler: fastifyBearer(options()) }, async (request) => ({
      subject: request.idswitch?.principal?.subject,
    }));
    const proof = await proofFor(BOUND, "GET", "http://localhost/api/orders");
    const ok = await app.inject({
      url: "/api/orders",
      headers: { host: "localhost:80", authorization: `DPoP ${BOUND}`, dpop: proof },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ subject: "u-1" });
    const refused = await app.inject({ url: "/api/orders" });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers["www-authenticate"]).toEqual(["Bearer", `DPoP ${ALGS}`]);
    const wrongMethod = await app.inject({
      method: "GET",
      url: "/api/orders",
      headers: {
        host: "localhost",
        authorization: `DPoP ${BOUND}`,
        dpop: await proofFor(BOUND, "POST", "http://localhost/api/orders"),
      },
    });
    expect(wrongMethod.statusCode).toBe(401);
    expect(wrongMethod.headers["www-authenticate"]).toMatch(/^DPoP error="invalid_dpop_proof"/);
  });

  it("Hono: a DPoP request passes; a proof for another URL is refused", async () => {
    const app = new Hono<IdswitchEnv>();
    app.use("/api/*", honoBearer(options()));
    app.get("/api/orders", (c) => c.json({ subject: c.get("idswitch")?.principal?.subject }));
    const url = "https://api.example/api/orders";
    const ok = await app.request(url, {
      headers: { authorization: `DPoP ${BOUND}`, dpop: await proofFor(BOUND, "GET", url) },
    });
    expect(ok.status).toBe(200);
    const elsewhere = await app.request(url, {
      headers: {
        authorization: `DPoP ${BOUND}`,
        dpop: await proofFor(BOUND, "GET", "https://api.example/other"),
      },
    });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.headers.get("www-authenticate")).toMatch(/^DPoP error="invalid_dpop_proof"/);
    const none = await app.request(url);
    expect(none.headers.get("www-authenticate")).toBe(`Bearer, DPoP ${ALGS}`);
  });
});

describe("bearerAuth and DPoP with the real facade (createIdentity, an issuer through an injected fetch)", () => {
  it("takes a bound token with its proof once, refuses it as Bearer or without its proof, takes bearer tokens", async () => {
    const idp = await createFakeIssuer();
    const identity = createIdentity({
      providers: [oidc({ id: "op", issuer: idp.issuer, clientId: "app", runtime: { fetch: idp.fetch } })],
    });
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: idp.issuer, sub: "u-1", aud: "api", iat: now, exp: now + 300 };
    const boundToken = await idp.sign({ ...claims, cnf: { jkt, "kc-jkt-type": "DPoP" } });
    const plainToken = await idp.sign(claims);
    const app = new Hono<IdswitchEnv>();
    app.use("/api/*", honoBearer({ identity, audience: "api" }));
    app.get("/api/orders", (c) => c.json({ subject: c.get("idswitch")?.principal?.subject }));
    const url = "https://api.example/api/orders";
    const call = (headers: Record<string, string>) => app.request(url, { headers });

    const proof = await createDpopProof(pair, { method: "GET", url, accessToken: boundToken });
    expect((await call({ authorization: `DPoP ${boundToken}`, dpop: proof })).status).toBe(200);
    const replay = await call({ authorization: `DPoP ${boundToken}`, dpop: proof });
    expect(replay.status).toBe(401);
    expect(replay.headers.get("www-authenticate")).toMatch(/^DPoP error="invalid_dpop_proof"/);
    const asBearer = await call({ authorization: `Bearer ${boundToken}` });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get("www-authenticate")).toMatch(/^DPoP error="invalid_token"/);
    expect(await asBearer.text()).not.toContain(boundToken.slice(0, 40));
    expect((await call({ authorization: `Bearer ${plainToken}` })).status).toBe(200);
    const plainAsDpop = await call({
      authorization: `DPoP ${plainToken}`,
      dpop: await createDpopProof(pair, { method: "GET", url, accessToken: plainToken }),
    });
    expect(plainAsDpop.status).toBe(401);
    expect(plainAsDpop.headers.get("www-authenticate")).toMatch(/^DPoP error="invalid_token"/);
  });
});
