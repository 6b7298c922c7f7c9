/**
 * RFC 9449 (DPoP) at a resource server: `checkDpopBinding` against proofs made
 * here, each one wrong in one way, and `createDpopProof`'s proofs. Every rule
 * of §4.3 and §7.1 the check enforces has a test that passes only with it.
 */
import fc from "fast-check";
import * as jose from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import type { Claims } from "../../src/core/types.js";
import {
  checkDpopBinding,
  createDpopProof,
  DPOP_ALGORITHMS,
  type DpopContext,
  type DpopRequest,
  keptProofKeys,
} from "../../src/tokens/dpop.js";
import { idSwitchErrorOf } from "../support/rejection.js";

const NOW = Date.parse("2026-12-05T12:00:00Z");
const NOW_S = Math.floor(NOW / 1000);
const TOLERANCE = 5;
const URL_A = "https://api.example/orders";
// Opaque to the check: only its hash (`ath`) matters.
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1LTEifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";
const OTHER_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1LTIifQ.c2lnbmF0dXJlLW9mLWFub3RoZXI";

interface Key {
  readonly pair: CryptoKeyPair;
  readonly jwk: jose.JWK;
  readonly privateJwk: jose.JWK;
  readonly jkt: string;
}

async function key(alg: string): Promise<Key> {
  const pair = (await jose.generateKeyPair(alg, { extractable: true })) as CryptoKeyPair;
  const jwk = await jose.exportJWK(pair.publicKey);
  return {
    pair,
    jwk,
    privateJwk: await jose.exportJWK(pair.privateKey),
    jkt: await jose.calculateJwkThumbprint(jwk),
  };
}

let a: Key;
let b: Key;
beforeAll(async () => {
  [a, b] = await Promise.all([key("ES256"), key("ES256")]);
});

async function ath(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return jose.base64url.encode(new Uint8Array(digest));
}

interface ProofOptions {
  readonly signer?: Key;
  readonly alg?: string;
  readonly header?: Record<string, unknown>;
  readonly claims?: Record<string, unknown>;
  /** Claims to leave out. */
  readonly without?: readonly string[];
}

/** A proof by `a` for GET URL_A with TOKEN, issued at NOW, unless told otherwise. */
async function proof(options: ProofOptions = {}): Promise<string> {
  const signer = options.signer ?? a;
  const claims: Record<string, unknown> = {
    jti: crypto.randomUUID(),
    htm: "GET",
    htu: URL_A,
    iat: NOW_S,
    ath: await ath(TOKEN),
    ...options.claims,
  };
  for (const name of options.without ?? []) delete claims[name];
  return new jose.SignJWT(claims)
    .setProtectedHeader({
      alg: options.alg ?? "ES256",
      typ: "dpop+jwt",
      jwk: signer.jwk,
      ...options.header,
    } as jose.JWTHeaderParameters)
    .sign(signer.pair.privateKey);
}

/** A replay memory on the test clock, recording what it was asked. */
function memory() {
  const seen = new Map<string, number>();
  const calls: Array<{ key: string; ttlMs: number }> = [];
  return {
    calls,
    remember: async (key: string, ttlMs: number) => {
      calls.push({ key, ttlMs });
      const until = seen.get(key);
      if (until !== undefined && until > NOW) return false;
      seen.set(key, NOW + ttlMs);
      return true;
    },
  };
}

function context(overrides: Partial<DpopContext> = {}): DpopContext {
  return {
    provider: "eu",
    now: NOW,
    clockToleranceSeconds: TOLERANCE,
    remember: memory().remember,
    ...overrides,
  };
}

const bound = (jkt = a.jkt): Claims => ({ sub: "u-1", cnf: { jkt } });
const unbound: Claims = { sub: "u-1" };

function request(proofValue: string | undefined, extra: Partial<DpopRequest> = {}): DpopRequest {
  return { proof: proofValue, method: "GET", url: URL_A, scheme: "DPoP", ...extra };
}

/** The error of a refused check, its message checked for the token and the proof. */
async function refused(
  claims: Claims,
  dpop: DpopRequest | undefined,
  ctx: DpopContext = context(),
  token = TOKEN,
) {
  const error = await idSwitchErrorOf(checkDpopBinding(token, claims, dpop, ctx));
  expect(error.code).toBe("token_invalid");
  expect(error.provider).toBe("eu");
  expect(error.message).not.toContain(token);
  if (dpop?.proof) {
    for (const part of dpop.proof.split(".")) if (part.length > 8) expect(error.message).not.toContain(part);
  }
  return error;
}

const passes = (claims: Claims, dpop: DpopRequest | undefined, ctx: DpopContext = context(), token = TOKEN) =>
  expect(checkDpopBinding(token, claims, dpop, ctx)).resolves.toBeUndefined();

describe("checkDpopBinding: a bound token and its proof", () => {
  it("accepts the proof of the bound key, and remembers its jti under the key's thumbprint", async () => {
    const replay = memory();
    const value = await proof({ claims: { jti: "jti-1" } });
    await passes(bound(), request(value), context({ remember: replay.remember }));
    // Acceptable until iat + maxAge + tolerance (+1 s: whole seconds), and remembered exactly that long.
    expect(replay.calls).toEqual([{ key: `${a.jkt}:jti-1`, ttlMs: (60 + TOLERANCE + 1) * 1000 }]);
  });

  it("accepts Keycloak's cnf, which carries kc-jkt-type beside jkt", async () => {
    await passes({ sub: "u-1", cnf: { jkt: a.jkt, "kc-jkt-type": "DPoP" } }, request(await proof()));
  });

  it("accepts a proof without a scheme named (a direct caller), and an application/ typ", async () => {
    await passes(bound(), request(await proof(), { scheme: undefined }));
    await passes(bound(), request(await proof({ header: { typ: "application/dpop+jwt" } })));
  });

  it("refuses a proof by another key than cnf.jkt names (dpop_binding)", async () => {
    const error = await refused(bound(), request(await proof({ signer: b })));
    expect(error.reason).toBe("dpop_binding");
  });

  it("refuses a bound token presented with the Bearer scheme, even with a valid proof (dpop_binding)", async () => {
    const error = await refused(bound(), request(await proof(), { scheme: "Bearer" }));
    expect(error.reason).toBe("dpop_binding");
  });

  it("refuses a bound token when no request was given (it must not pass as a bearer token)", async () => {
    expect((await refused(bound(), undefined)).reason).toBe("dpop_binding");
  });

  it("refuses a bound token without a proof: dpop_proof under the DPoP scheme, dpop_binding otherwise", async () => {
    expect((await refused(bound(), request(undefined))).reason).toBe("dpop_proof");
    expect((await refused(bound(), request(undefined, { scheme: undefined }))).reason).toBe("dpop_binding");
  });

  it("refuses a cnf.jkt that is not a thumbprint, and a cnf that is not an object", async () => {
    const value = await proof();
    expect((await refused({ cnf: { jkt: 42 } }, request(value))).reason).toBe("dpop_binding");
    expect((await refused({ cnf: "jkt" }, request(value))).reason).toBe("dpop_binding");
  });
});

describe("checkDpopBinding: an unbound token", () => {
  it("passes as a bearer token under policy allowed, and with no request at all", async () => {
    await passes(unbound, request(undefined, { scheme: "Bearer" }));
    await passes(unbound, request(undefined, { scheme: "Bearer", policy: "allowed" }));
    await passes(unbound, undefined);
    await passes({ sub: "u-1", cnf: {} }, undefined); // an empty cnf binds nothing
  });

  it("a token bound by another method (mTLS x5t#S256) is refused: nothing here checks that binding", async () => {
    for (const dpop of [request(undefined, { scheme: "Bearer" }), undefined]) {
      const error = await refused({ sub: "u-1", cnf: { "x5t#S256": "abc" } }, dpop);
      expect(error.reason).toBe("dpop_binding");
    }
  });

  it("is refused under policy required (dpop_binding)", async () => {
    const error = await refused(unbound, request(undefined, { scheme: "Bearer", policy: "required" }));
    expect(error.reason).toBe("dpop_binding");
    expect(
      (await refused(unbound, request(undefined, { scheme: undefined, policy: "required" }))).reason,
    ).toBe("dpop_binding");
  });

  it("is refused with the DPoP scheme, even with a valid proof (dpop_binding)", async () => {
    const error = await refused(unbound, request(await proof()));
    expect(error.reason).toBe("dpop_binding");
  });
});

describe("checkDpopBinding: the proof itself (dpop_proof)", () => {
  async function proofError(value: string, extra: Partial<DpopRequest> = {}, ctx?: DpopContext) {
    const error = await refused(bound(), request(value, extra), ctx);
    expect(error.reason).toBe("dpop_proof");
    return error;
  }

  it("refuses a typ other than dpop+jwt, or none", async () => {
    expect((await proofError(await proof({ header: { typ: "JWT" } }))).message).toMatch(/typed dpop\+jwt/);
    expect((await proofError(await proof({ header: { typ: undefined } }))).message).toMatch(
      /typed dpop\+jwt/,
    );
  });

  it("refuses alg none", async () => {
    const encode = (value: object) => jose.base64url.encode(JSON.stringify(value));
    const header = encode({ alg: "none", typ: "dpop+jwt", jwk: a.jwk });
    const payload = encode({ jti: "x", htm: "GET", htu: URL_A, iat: NOW_S, ath: await ath(TOKEN) });
    const error = await proofError(`${header}.${payload}.AAAA`, { algorithms: ["none", "ES256"] });
    expect(error.message).toMatch(/algorithm is not accepted/);
  });

  it("refuses HS256 even when the caller lists it", async () => {
    const secret = new TextEncoder().encode("a-shared-secret-of-thirty-two-bytes!");
    const value = await new jose.SignJWT({
      jti: "x",
      htm: "GET",
      htu: URL_A,
      iat: NOW_S,
      ath: await ath(TOKEN),
    })
      .setProtectedHeader({ alg: "HS256", typ: "dpop+jwt", jwk: a.jwk })
      .sign(secret);
    const error = await proofError(value, { algorithms: ["HS256", "ES256"] });
    expect(error.message).toMatch(/algorithm is not accepted/);
  });

  it("refuses an algorithm left off the caller's list", async () => {
    const rsa = await key("PS256");
    const value = await proof({ signer: rsa, alg: "PS256" });
    await passes(bound(rsa.jkt), request(value));
    const error = await proofError(await proof({ signer: rsa, alg: "PS256" }), { algorithms: ["ES256"] });
    expect(error.message).toMatch(/algorithm is not accepted/);
  });

  it("refuses a private key in the jwk header", async () => {
    const error = await proofError(await proof({ header: { jwk: a.privateJwk } }));
    expect(error.message).toMatch(/not a public key/);
  });

  it("refuses a symmetric jwk and a missing jwk", async () => {
    expect((await proofError(await proof({ header: { jwk: { kty: "oct", k: "AAAA" } } }))).message).toMatch(
      /not a public key/,
    );
    expect((await proofError(await proof({ header: { jwk: undefined } }))).message).toMatch(/no jwk/);
  });

  it("refuses a jwk jose refuses (use other than sig) however often it comes, and the same key sent properly passes", async () => {
    for (let i = 0; i < 2; i++) {
      const error = await proofError(await proof({ header: { jwk: { ...a.jwk, use: "enc" } } }));
      expect(error.message).toMatch(/could not be verified/);
    }
    await passes(bound(), request(await proof()));
    expect((await proofError(await proof({ header: { jwk: { ...a.jwk, use: "enc" } } }))).message).toMatch(
      /could not be verified/,
    );
  });

  it("refuses a bad signature: signed by another key than the jwk it shows", async () => {
    const value = await proof({ signer: b, header: { jwk: a.jwk } });
    expect((await proofError(value)).message).toMatch(/signature is invalid/);
    const [head, body] = (await proof()).split(".");
    const other = (await proof({ claims: { jti: "other" } })).split(".")[2];
    expect((await proofError(`${head}.${body}.${other}`)).message).toMatch(/signature is invalid/);
  });

  it("refuses a method other than htm", async () => {
    const error = await proofError(await proof(), { method: "POST" });
    expect(error.message).toMatch(/htm/);
    expect((await proofError(await proof(), { method: "get" })).message).toMatch(/htm/);
  });

  it("refuses a URL other than htu", async () => {
    for (const url of [
      "https://api.example/orders/1",
      "https://api.example/Orders",
      "http://api.example/orders",
      "https://api.example:8443/orders",
      "https://other.example/orders",
      "https://user@api.example/orders",
    ]) {
      expect((await proofError(await proof(), { url })).message).toMatch(/htu/);
    }
    expect((await proofError(await proof({ claims: { htu: "not a url" } }))).message).toMatch(/htu/);
    expect(
      (await proofError(await proof({ claims: { htu: "urn:x:orders" } }), { url: "urn:x:orders" })).message,
    ).toMatch(/htu/);
  });

  it("compares htu without query and fragment, after RFC 3986 normalisation", async () => {
    await passes(bound(), request(await proof(), { url: `${URL_A}?page=2#top` }));
    await passes(
      bound(),
      request(await proof({ claims: { htu: `${URL_A}?page=1` } }), { url: `${URL_A}?page=2` }),
    );
    await passes(bound(), request(await proof(), { url: new URL("HTTPS://API.Example:443/orders") }));
    await passes(
      bound(),
      request(await proof({ claims: { htu: "HTTPS://Example.com:443/a" } }), {
        url: "https://example.com/a",
      }),
    );
    await passes(
      bound(),
      request(await proof({ claims: { htu: "https://example.com" } }), { url: "https://example.com/" }),
    );
    await passes(
      bound(),
      request(await proof({ claims: { htu: "http://example.com:80/a/./b/../c" } }), {
        url: "http://example.com/a/c",
      }),
    );
    // Percent-encoding: hex case does not matter, an encoded unreserved character is that character…
    await passes(
      bound(),
      request(await proof({ claims: { htu: "https://example.com/%7euser/a%2f" } }), {
        url: "https://example.com/~user/a%2F",
      }),
    );
    // …but an encoded reserved character is not the character itself.
    const error = await proofError(await proof({ claims: { htu: "https://example.com/a%2Fb" } }), {
      url: "https://example.com/a/b",
    });
    expect(error.message).toMatch(/htu/);
  });

  it("refuses a proof issued more than maxAgeSeconds (+ tolerance) ago", async () => {
    const old = await proof({ claims: { iat: NOW_S - 60 - TOLERANCE } });
    await passes(bound(), request(old)); // at the limit
    const stale = await proof({ claims: { iat: NOW_S - 60 - TOLERANCE - 1 } });
    expect((await proofError(stale)).message).toMatch(/too old/);
    const ten = await proof({ claims: { iat: NOW_S - 11 - TOLERANCE } });
    expect((await proofError(ten, { maxAgeSeconds: 10 })).message).toMatch(/too old/);
  });

  it("refuses a proof issued in the future beyond the clock tolerance", async () => {
    await passes(bound(), request(await proof({ claims: { iat: NOW_S + TOLERANCE } })));
    const future = await proof({ claims: { iat: NOW_S + TOLERANCE + 1 } });
    expect((await proofError(future)).message).toMatch(/future/);
  });

  it("refuses a proof without jti, htm, htu or iat", async () => {
    expect((await proofError(await proof({ without: ["jti"] }))).message).toMatch(/no jti/);
    expect((await proofError(await proof({ claims: { jti: "" } }))).message).toMatch(/no jti/);
    expect((await proofError(await proof({ without: ["htm"] }))).message).toMatch(/no htm/);
    expect((await proofError(await proof({ without: ["htu"] }))).message).toMatch(/no htu/);
    expect((await proofError(await proof({ without: ["iat"] }))).message).toMatch(/no iat/);
  });

  it("refuses a proof made for another token (ath), or with no ath", async () => {
    expect((await proofError(await proof({ claims: { ath: await ath(OTHER_TOKEN) } }))).message).toMatch(
      /ath/,
    );
    expect((await proofError(await proof({ without: ["ath"] }))).message).toMatch(/ath/);
  });

  it("refuses the same proof twice (one memory), and burns no jti for a proof refused otherwise", async () => {
    const replay = memory();
    const ctx = context({ remember: replay.remember });
    const value = await proof();
    await proofError(value, { method: "POST" }, ctx);
    expect(replay.calls).toEqual([]);
    await passes(bound(), request(value), ctx);
    expect((await proofError(value, {}, ctx)).message).toMatch(/used before/);
    // The same jti from another key is that key's own.
    const jti = JSON.parse(new TextDecoder().decode(jose.base64url.decode(value.split(".")[1] ?? ""))).jti;
    await passes(bound(b.jkt), request(await proof({ signer: b, claims: { jti } })), ctx);
  });

  it("refuses two DPoP headers joined by a comma", async () => {
    const error = await proofError(`${await proof()}, ${await proof()}`);
    expect(error.message).toMatch(/more than one/);
    expect((await proofError(`${await proof()},${await proof()}`)).message).toMatch(/more than one/);
  });

  it("refuses a proof over 8 KiB before parsing it, however valid", async () => {
    const big = await proof({ claims: { padding: "x".repeat(8 * 1024) } });
    expect((await proofError(big)).message).toMatch(/too large/);
  });

  it("refuses what is not a compact JWS, or not one with a single spelling", async () => {
    expect((await proofError("not-a-jwt")).message).toMatch(/compact JWS/);
    expect((await proofError("")).message).toMatch(/compact JWS/);
    const [head, body, sig] = (await proof()).split(".");
    expect((await proofError(`${head}.${body}.${sig}=`)).message).toMatch(/compact JWS/);
    expect((await proofError(` ${head}.${body}.${sig}`)).message).toMatch(/compact JWS/);
    // A header with a duplicate member means two things to two parsers.
    const twice = jose.base64url.encode('{"typ":"dpop+jwt","alg":"none","alg":"ES256"}');
    expect((await proofError(`${twice}.${body}.${sig}`)).message).toMatch(/well-formed/);
  });
});

describe("checkDpopBinding: server nonces (dpop_nonce)", () => {
  it("refuses a proof without a nonce when the server gives them", async () => {
    const error = await refused(bound(), request(await proof(), { nonces: ["n-1"] }));
    expect(error.reason).toBe("dpop_nonce");
  });

  it("refuses a nonce no longer accepted, and accepts each accepted one", async () => {
    const error = await refused(
      bound(),
      request(await proof({ claims: { nonce: "n-0" } }), { nonces: ["n-1", "n-2"] }),
    );
    expect(error.reason).toBe("dpop_nonce");
    await passes(bound(), request(await proof({ claims: { nonce: "n-1" } }), { nonces: ["n-1", "n-2"] }));
    await passes(bound(), request(await proof({ claims: { nonce: "n-2" } }), { nonces: ["n-1", "n-2"] }));
  });

  it("ignores a nonce when the server gives none", async () => {
    await passes(bound(), request(await proof({ claims: { nonce: "whatever" } })));
  });
});

describe("createDpopProof", () => {
  const cases: Array<[string, RsaHashedKeyGenParams | EcKeyGenParams | Algorithm, string]> = [
    ["ECDSA P-256", { name: "ECDSA", namedCurve: "P-256" }, "ES256"],
    ["ECDSA P-384", { name: "ECDSA", namedCurve: "P-384" }, "ES384"],
    ["Ed25519", { name: "Ed25519" }, "EdDSA"],
    [
      "RSASSA-PKCS1-v1_5",
      {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      },
      "RS256",
    ],
    [
      "RSA-PSS",
      { name: "RSA-PSS", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-384" },
      "PS384",
    ],
  ];

  it.each(cases)(
    "%s: a proof checkDpopBinding accepts, with a public jwk only",
    async (_name, params, alg) => {
      // Non-extractable: the private key never leaves WebCrypto.
      const pair = (await crypto.subtle.generateKey(params, false, ["sign", "verify"])) as CryptoKeyPair;
      const value = await createDpopProof(pair, {
        method: "POST",
        url: `${URL_A}?page=2#frag`,
        accessToken: TOKEN,
      });
      const header = jose.decodeProtectedHeader(value);
      const claims = jose.decodeJwt(value);
      expect(header).toMatchObject({ alg, typ: "dpop+jwt" });
      expect(Object.keys(header.jwk ?? {}).sort()).toEqual(
        header.jwk?.kty === "RSA"
          ? ["e", "kty", "n"]
          : header.jwk?.kty === "EC"
            ? ["crv", "kty", "x", "y"]
            : ["crv", "kty", "x"],
      );
      expect(claims).toMatchObject({ htm: "POST", htu: URL_A, ath: await ath(TOKEN) });
      expect(claims.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const jkt = await jose.calculateJwkThumbprint(header.jwk as jose.JWK);
      await checkDpopBinding(
        TOKEN,
        { cnf: { jkt } },
        { proof: value, method: "POST", url: URL_A, scheme: "DPoP" },
        {
          ...context(),
          now: Date.now(),
        },
      );
    },
  );

  it("keeps private members out of the jwk of an extractable key, and adds the nonce; no ath without a token", async () => {
    const value = await createDpopProof(a.pair, {
      method: "POST",
      url: "https://as.example/token",
      nonce: "n-1",
    });
    const header = jose.decodeProtectedHeader(value);
    expect(header.jwk).toEqual({ kty: "EC", crv: "P-256", x: a.jwk.x, y: a.jwk.y });
    const claims = jose.decodeJwt(value);
    expect(claims.nonce).toBe("n-1");
    expect(claims).not.toHaveProperty("ath");
    const again = jose.decodeJwt(
      await createDpopProof(a.pair, { method: "POST", url: "https://as.example/token" }),
    );
    expect(again.jti).not.toBe(claims.jti);
  });

  it("throws a TypeError for what is not a signing key pair", async () => {
    const aes = await crypto.subtle.generateKey({ name: "AES-GCM", length: 128 }, false, ["encrypt"]);
    await expect(
      createDpopProof({ privateKey: aes, publicKey: aes } as CryptoKeyPair, { method: "GET", url: URL_A }),
    ).rejects.toThrow(TypeError);
    await expect(createDpopProof({} as CryptoKeyPair, { method: "GET", url: URL_A })).rejects.toThrow(
      TypeError,
    );
  });

  it("names every default algorithm as asymmetric", () => {
    expect(DPOP_ALGORITHMS).not.toContain("none");
    expect(DPOP_ALGORITHMS.some((alg) => alg.startsWith("HS"))).toBe(false);
  });
});

describe("property: htu matches the same resource however the URL is spelt, and no other", () => {
  const segment = fc.stringMatching(/^[A-Za-z0-9._~-]{1,8}$/).filter((s) => s !== "." && s !== "..");
  it("accepts scheme/host case changes, the default port, percent-encoded unreserved characters and any query", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
        fc.boolean(),
        fc.string({ maxLength: 12 }),
        async (segments, upper, port, query) => {
          const path = `/${segments.join("/")}`;
          const host = "api.example"
            .split("")
            .map((c, i) => (upper[i] ? c.toUpperCase() : c))
            .join("");
          // The first character of each segment percent-encoded, in either hex case.
          const encoded = segments
            .map((s, i) => {
              const hex = s.charCodeAt(0).toString(16).padStart(2, "0");
              return `%${upper[i] ? hex.toUpperCase() : hex}${s.slice(1)}`;
            })
            .join("/");
          const url = `${upper[19] ? "HTTPS" : "https"}://${host}${port ? ":443" : ""}/${encoded}?${encodeURIComponent(query)}`;
          const value = await proof({ claims: { htu: `https://api.example${path}` } });
          await checkDpopBinding(TOKEN, bound(), request(value, { url }), context());
          const elsewhere = `https://api.example${path}x`;
          const error = await idSwitchErrorOf(
            checkDpopBinding(TOKEN, bound(), request(value, { url: elsewhere }), context()),
          );
          expect(error.reason).toBe("dpop_proof");
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("checkDpopBinding: what a holder of a stolen token can send (review findings)", () => {
  it("a request path with a dot segment, plain or percent-encoded, matches no proof", async () => {
    const forY = await proof({ claims: { htu: "https://api.example/y" } });
    for (const url of [
      "https://api.example/x/%2e%2e/y",
      "https://api.example/x/../y",
      "https://api.example/x/%2E%2e/y",
    ]) {
      const error = await refused(bound(), request(forY, { url }));
      expect(error.reason).toBe("dpop_proof");
    }
    await passes(
      bound(),
      request(await proof({ claims: { htu: "https://api.example/y" } }), { url: "https://api.example/y" }),
    );
  });

  it("a proof of another key is refused from its thumbprint, before its signature is looked at", async () => {
    // Signed by b but showing a's jwk: the signature is bad; yet the key is b's-token-foreign first.
    const otherKey = await proof({ signer: b });
    const badSignatureOtherKey = `${otherKey.split(".").slice(0, 2).join(".")}.${otherKey.split(".")[2]?.slice(0, -4)}AAAA`;
    const error = await refused(bound(), request(badSignatureOtherKey));
    expect(error.reason).toBe("dpop_binding");
  });

  it("a proof for another request is refused from its claims, before its signature is looked at", async () => {
    const forPost = await proof({ claims: { htm: "POST" } });
    const parts = forPost.split(".");
    const tampered = `${parts[0]}.${parts[1]}.${parts[2]?.slice(0, -4)}AAAA`;
    const error = await refused(bound(), request(tampered));
    expect(error.message).toMatch(/htm/);
  });
});

describe("the proof-key cache under a flood (re-review finding)", () => {
  it("keeps no key for proofs that fail their signature, however the bound key's jwk is spelt", async () => {
    const c = await key("ES256");
    const before = keptProofKeys();
    for (let i = 0; i < 50; i++) {
      // The client's public key (it is in every proof), with a made-up kid, and a forged signature.
      const spelt = await proof({ signer: c, header: { jwk: { ...c.jwk, kid: `k-${i}` } } });
      const forged = `${spelt.split(".").slice(0, 2).join(".")}.${b64(`forged-${i}`)}`;
      await refused(bound(c.jkt), request(forged));
    }
    expect(keptProofKeys()).toBe(before);
    await passes(
      bound(c.jkt),
      request(await proof({ signer: c, header: { jwk: { ...c.jwk, kid: "any" } } })),
    );
    await passes(bound(c.jkt), request(await proof({ signer: c })));
    expect(keptProofKeys()).toBe(before + 1); // one key, whatever its spelling
  });
});

function b64(text: string): string {
  return jose.base64url.encode(new TextEncoder().encode(text.padEnd(64, "x")));
}
