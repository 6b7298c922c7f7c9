// Differential test of `verifyJwt`'s node:crypto path (RS256/384/512 on Node) against
// (1) the same module with that path switched off (every token through jose.jwtVerify, as
// before the fast path existed) and (2) jose.jwtVerify itself with the same options.
//
// For every token: the fast and the jose-only build must answer alike (accepted with the
// same header and claims, or refused with the same code and reason); whatever the SDK
// accepts jose accepts too, with the same claims. Where jose accepts and the SDK refuses,
// the refusal is one of the SDK's own rules (duplicate members, crit/b64, infinite dates,
// several audiences without an authorized party...), which the jose-only build makes too.
import { constants, createHmac, generateKeyPairSync, type KeyObject, sign as nodeSign } from "node:crypto";
import fc from "fast-check";
import * as jose from "jose";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { IdSwitchError } from "../../src/core/errors.js";
import type { JwtCheck, VerifiedJwt } from "../../src/tokens/verify-jwt.js";
import * as fast from "../../src/tokens/verify-jwt.js";

type VerifyModule = typeof fast;

/** The same module, evaluated where `process.getBuiltinModule` is missing: jose verifies everything. */
let joseOnly: VerifyModule;

beforeAll(async () => {
  const saved = process.getBuiltinModule;
  Object.defineProperty(process, "getBuiltinModule", {
    value: undefined,
    configurable: true,
    writable: true,
  });
  try {
    // Another query, another module instance; its imports (core/errors.js) are shared with this file's.
    const specifier = "../../src/tokens/verify-jwt.js?jose-only";
    joseOnly = (await import(/* @vite-ignore */ specifier)) as VerifyModule;
  } finally {
    Object.defineProperty(process, "getBuiltinModule", { value: saved, configurable: true, writable: true });
  }
});

const NOW = Date.parse("2026-12-01T12:00:00Z");
const NOW_S = Math.floor(NOW / 1000);
const ISS = "https://issuer.example/realms/acme";
const TOLERANCE = 30;

interface Pair {
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
}
const rsa: Pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
const rsaOther: Pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
const rsaShort: Pair = generateKeyPairSync("rsa", { modulusLength: 1024 });
const ec: Pair = generateKeyPairSync("ec", { namedCurve: "P-256" });

function jwk(pair: Pair, extra: Record<string, unknown>): jose.JWK {
  return { ...(pair.publicKey.export({ format: "jwk" }) as jose.JWK), ...extra };
}

const JWKS: jose.JSONWebKeySet = {
  keys: [
    jwk(rsa, { kid: "rs256", alg: "RS256", use: "sig" }),
    jwk(rsa, { kid: "rs384", alg: "RS384" }),
    jwk(rsa, { kid: "rs512", alg: "RS512" }),
    jwk(rsa, { kid: "rsa-any" }), // no alg: usable with any RSA algorithm
    jwk(rsa, { kid: "ps256", alg: "PS256" }),
    jwk(ec, { kid: "es256", alg: "ES256" }),
    jwk(rsaShort, { kid: "short", alg: "RS256" }),
    jwk(rsa, { kid: "enc", alg: "RS256", use: "enc" }),
    jwk(rsa, { kid: "sign-only", alg: "RS256", key_ops: ["sign"] }),
    jwk(rsa, { kid: "verify-op", alg: "RS256", key_ops: ["verify"] }),
    jwk(rsa, { kid: "dup", alg: "RS256" }),
    jwk(rsaOther, { kid: "dup", alg: "RS256" }),
  ],
};
const getKey = jose.createLocalJWKSet(JWKS);

type Signer = "rsa" | "rsaOther" | "rsaShort" | "ec";
const SIGNERS: Record<Signer, Pair> = { rsa, rsaOther, rsaShort, ec };
const HMAC_SECRET = JSON.stringify(jwk(rsa, { kid: "rs256", alg: "RS256" }));

function signatureOf(alg: string, signer: Signer, input: Buffer): Buffer {
  const key = SIGNERS[signer].privateKey;
  const bits = alg.slice(2);
  if (alg === "none" || alg === "") return Buffer.alloc(0);
  if (alg.startsWith("HS")) return createHmac(`sha${bits}`, HMAC_SECRET).update(input).digest();
  if (alg.startsWith("ES")) return nodeSign(`sha${bits}`, input, { key, dsaEncoding: "ieee-p1363" });
  if (alg.startsWith("PS")) {
    return nodeSign(`sha${bits}`, input, {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: Number(bits) / 8,
    });
  }
  return nodeSign(`sha${bits}`, input, key);
}

const b64 = (bytes: Buffer | string): string => Buffer.from(bytes).toString("base64url");

/** Signs the exact segments given (which may be oddly encoded): what an issuer with this key could publish. */
function signSegments(header: string, payload: string, alg: string, signer: Signer = "rsa"): string {
  return `${header}.${payload}.${b64(signatureOf(alg, signer, Buffer.from(`${header}.${payload}`, "latin1")))}`;
}

function sign(
  header: Record<string, unknown>,
  payload: Record<string, unknown> | string | Buffer,
  options: { signAs?: string; signer?: Signer } = {},
): string {
  const alg = options.signAs ?? (header.alg as string);
  const body = typeof payload === "object" && !Buffer.isBuffer(payload) ? JSON.stringify(payload) : payload;
  return signSegments(b64(JSON.stringify(header)), b64(body), alg, options.signer ?? "rsa");
}

const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  iss: ISS,
  sub: "u-1",
  aud: "api",
  iat: NOW_S - 10,
  exp: NOW_S + 300,
  ...extra,
});
const RS256 = { alg: "RS256", kid: "rs256", typ: "JWT" };

const check = (over: Partial<JwtCheck> = {}): JwtCheck => ({
  provider: "p",
  issuer: ISS,
  audience: "api",
  algorithms: ["RS256", "RS384", "RS512", "PS256", "ES256"],
  now: NOW,
  clockToleranceSeconds: TOLERANCE,
  ...over,
});

type Outcome =
  | { readonly ok: true; readonly payload: unknown; readonly header: unknown }
  | { readonly ok: false; readonly code: string; readonly reason: string | undefined };

interface Verdicts {
  readonly fast: Outcome;
  readonly joseOnly: Outcome;
  readonly jose:
    | { readonly ok: true; payload: unknown; header: unknown }
    | { readonly ok: false; code: string };
  /** Whether the fast build handed the signature to WebCrypto (jose) rather than node:crypto. */
  readonly fastUsedJose: boolean;
  readonly fastCause: unknown;
}

async function ours(
  module: VerifyModule,
  token: string,
  c: JwtCheck,
  peeked?: VerifiedJwt,
  keys: jose.JWTVerifyGetKey = getKey,
): Promise<Outcome & { cause?: unknown }> {
  let calls = 0;
  const counted: jose.JWTVerifyGetKey = (header, input) => {
    calls += 1;
    return keys(header, input);
  };
  try {
    const verified = await module.verifyJwt(token, async () => counted, c, peeked);
    expect(calls, "the key set is asked once").toBe(1);
    return { ok: true, payload: verified.payload, header: verified.header };
  } catch (err) {
    expect(calls, "the key set is asked at most once").toBeLessThanOrEqual(1);
    if (!(err instanceof IdSwitchError))
      return { ok: false, code: `not an IdSwitchError: ${String(err)}`, reason: "" };
    return { ok: false, code: err.code, reason: err.reason, cause: err.cause };
  }
}

async function byJose(
  token: string,
  c: JwtCheck,
  keys: jose.JWTVerifyGetKey = getKey,
): Promise<Verdicts["jose"]> {
  try {
    const { payload, protectedHeader } = await jose.jwtVerify(token, keys, {
      issuer: ISS,
      ...(c.audience === undefined ? {} : { audience: c.audience as string | string[] }),
      algorithms: [...c.algorithms],
      currentDate: new Date(c.now),
      clockTolerance: c.clockToleranceSeconds,
      requiredClaims: [...(c.requiredClaims ?? ["exp"])],
    });
    return { ok: true, payload, header: protectedHeader };
  } catch (err) {
    return { ok: false, code: (err as { code?: string }).code ?? (err as Error).name };
  }
}

/** Runs all three and checks the differential invariants; returns the verdicts for further expectations. */
async function verdicts(
  token: string,
  c: JwtCheck = check(),
  keys: jose.JWTVerifyGetKey = getKey,
): Promise<Verdicts> {
  const subtle = vi.spyOn(crypto.subtle, "verify");
  const { cause: fastCause, ...fastOutcome } = await ours(fast, token, c, peekOf(token), keys);
  const fastUsedJose = subtle.mock.calls.length > 0;
  subtle.mockRestore();
  const { cause: _, ...slowOutcome } = await ours(joseOnly, token, c, undefined, keys);
  const jose = await byJose(token, c, keys);
  const result = { fast: fastOutcome, joseOnly: slowOutcome, jose, fastUsedJose, fastCause } as Verdicts;
  const context = `token ${token}`;
  expect(result.fast, `fast and jose-only builds agree (${context})`).toEqual(result.joseOnly);
  if (result.fast.ok) {
    expect(jose.ok, `jose accepts what the SDK accepts (${context})`).toBe(true);
    if (jose.ok) {
      expect(result.fast.payload, context).toEqual(jose.payload);
      expect(result.fast.header, context).toEqual(jose.header);
    }
  }
  return result;
}

/** The peek a caller that chose the verifier by it hands over (as Identity does), or none if the token does not peek. */
function peekOf(token: string): VerifiedJwt | undefined {
  try {
    return fast.peekJwt(token, undefined);
  } catch {
    return undefined;
  }
}

describe("verifyJwt's node:crypto path against jose", () => {
  it("takes the node:crypto path for RS256/384/512 with a 2048-bit key, and jose's for the rest", async () => {
    for (const [alg, kid] of [
      ["RS256", "rs256"],
      ["RS384", "rs384"],
      ["RS512", "rs512"],
      ["RS256", "rsa-any"],
      ["RS512", "rsa-any"],
      ["RS256", "verify-op"],
    ] as const) {
      const v = await verdicts(sign({ alg, kid }, claims()));
      expect(v.fast.ok, `${alg} ${kid}`).toBe(true);
      expect(v.fastUsedJose, `${alg} ${kid} on node:crypto`).toBe(false);
    }
    for (const [alg, kid, signer] of [
      ["PS256", "ps256", "rsa"],
      ["ES256", "es256", "ec"],
    ] as const) {
      const v = await verdicts(sign({ alg, kid }, claims(), { signer }));
      expect(v.fast.ok, `${alg}`).toBe(true);
      expect(v.fastUsedJose, `${alg} through jose`).toBe(true);
    }
  });

  it("falls back to jose for a key shorter than 2048 bits, which jose refuses", async () => {
    const v = await verdicts(sign({ alg: "RS256", kid: "short" }, claims(), { signer: "rsaShort" }));
    expect(v.fast).toMatchObject({ ok: false, code: "token_invalid", reason: "malformed" });
    expect(v.jose).toMatchObject({ ok: false });
    // jose's own refusal, kept as the (sanitised) cause.
    expect(String((v.fastCause as Error | undefined)?.message)).toMatch(/modulusLength/);
  });

  it("falls back to jose for PS256 (and refuses PS256 named with a PKCS#1 signature and the reverse)", async () => {
    const ps = await verdicts(sign({ alg: "PS256", kid: "ps256" }, claims()));
    expect(ps.fast.ok).toBe(true);
    expect(ps.fastUsedJose).toBe(true);
    const psNamedPkcs1 = await verdicts(sign({ alg: "PS256", kid: "ps256" }, claims(), { signAs: "RS256" }));
    expect(psNamedPkcs1.fast).toMatchObject({ ok: false, reason: "signature" });
    const rsNamedPss = await verdicts(sign({ alg: "RS256", kid: "rs256" }, claims(), { signAs: "PS256" }));
    expect(rsNamedPss.fast).toMatchObject({ ok: false, reason: "signature" });
    // A PS256 key used for an RS256 token: jose's key set does not offer it.
    const rsWithPsKey = await verdicts(sign({ alg: "RS256", kid: "ps256" }, claims()));
    expect(rsWithPsKey.fast).toMatchObject({ ok: false, reason: "unknown_key" });
  });

  it("takes claims from a peek only of the very token it verifies", async () => {
    const alice = sign(RS256, claims({ sub: "alice" }));
    const bob = sign(RS256, claims({ sub: "bob" }));
    const aliceHeader = alice.split(".")[0];
    const forged = `${aliceHeader}.${b64(JSON.stringify(claims({ sub: "mallory" })))}.${alice.split(".")[2]}`;
    const peekOfAlice = fast.peekJwt(alice, "p");
    // Another valid token with alice's peek: bob's own claims.
    const other = await ours(fast, bob, check(), peekOfAlice);
    expect(other).toMatchObject({ ok: true, payload: { sub: "bob" } });
    // A forged token with the peek of a genuine one: refused.
    const forgedWithPeek = await ours(fast, forged, check(), peekOfAlice);
    expect(forgedWithPeek).toMatchObject({ ok: false, reason: "signature" });
    // A copy of a peek is not a peek: the token is decoded again.
    const copy = { header: { ...peekOfAlice.header }, payload: { ...peekOfAlice.payload, sub: "mallory" } };
    expect(await ours(fast, alice, check(), copy)).toMatchObject({ ok: true, payload: { sub: "alice" } });
    // The peek of the token itself is used as it is.
    expect(await ours(fast, alice, check(), peekOfAlice)).toMatchObject({
      ok: true,
      payload: { sub: "alice" },
    });
  });

  it("verifies the claims as signed, whatever was done to the peek before (Identity shows it to every provider's isIssuerOf)", async () => {
    // Each: what code handed the unverified claims (a Provider's isIssuerOf, a rule) could do to them in place.
    const tampering: ReadonlyArray<(peek: VerifiedJwt) => void> = [
      (peek) => Object.assign(peek.payload, { aud: "api", sub: "admin" }),
      (peek) => Object.assign(peek, { payload: { ...peek.payload, aud: "api", sub: "admin" } }),
      (peek) => Object.assign(peek.header, { kid: "rs384" }),
    ];
    for (const tamper of tampering) {
      const token = sign(RS256, claims({ aud: "other-api", sub: "alice" }));
      const peek = fast.peekJwt(token, undefined);
      try {
        tamper(peek);
      } catch {
        // refused: the peek is immutable
      }
      expect(await ours(fast, token, check(), peek)).toMatchObject({ ok: false, reason: "audience" });
    }
    const token = sign(RS256, claims({ realm_access: { roles: ["user"] } }));
    const peek = fast.peekJwt(token, undefined);
    try {
      ((peek.payload.realm_access as { roles: string[] }).roles as string[]).push("admin");
    } catch {
      // refused
    }
    const verified = await ours(fast, token, check(), peek);
    expect(verified).toMatchObject({ ok: true, payload: { realm_access: { roles: ["user"] } } });
  });

  it("does not let a KeyObject cached for one key stand in for another published under the same kid", async () => {
    const setA = jose.createLocalJWKSet({ keys: [jwk(rsa, { kid: "rot", alg: "RS256" })] });
    const setB = jose.createLocalJWKSet({ keys: [jwk(rsaOther, { kid: "rot", alg: "RS256" })] });
    const byA = sign({ alg: "RS256", kid: "rot" }, claims(), { signer: "rsa" });
    const byB = sign({ alg: "RS256", kid: "rot" }, claims(), { signer: "rsaOther" });
    expect((await verdicts(byA, check(), setA)).fast.ok).toBe(true);
    expect((await verdicts(byA, check(), setB)).fast).toMatchObject({ ok: false, reason: "signature" });
    expect((await verdicts(byB, check(), setB)).fast.ok).toBe(true);
    expect((await verdicts(byB, check(), setA)).fast).toMatchObject({ ok: false, reason: "signature" });
    expect((await verdicts(byA, check(), setA)).fast.ok).toBe(true);
  });

  /** Hand-made attacks: `accept`, or the reason of the refusal; `sdk` marks a refusal jose would not make. */
  const corpus: ReadonlyArray<{
    readonly name: string;
    readonly token: () => string;
    readonly check?: JwtCheck;
    readonly expected: "accept" | string;
    readonly sdk?: true;
  }> = [
    { name: "valid RS256", token: () => sign(RS256, claims()), expected: "accept" },
    { name: "alg none", token: () => sign({ alg: "none" }, claims()), expected: "algorithm" },
    {
      name: "alg none, allowed by the check",
      token: () => sign({ alg: "none" }, claims()),
      check: check({ algorithms: ["RS256", "none"] }),
      expected: "algorithm",
    },
    {
      name: "HS256 keyed with the RSA public JWK",
      token: () => sign({ alg: "HS256", kid: "rs256" }, claims()),
      check: check({ algorithms: ["RS256", "HS256"] }),
      expected: "algorithm",
    },
    {
      name: "HS256 not allowed",
      token: () => sign({ alg: "HS256", kid: "rs256" }, claims()),
      expected: "algorithm",
    },
    {
      name: "lower-case rs256",
      token: () => sign({ alg: "rs256", kid: "rs256" }, claims(), { signAs: "RS256" }),
      expected: "algorithm",
    },
    {
      name: "alg missing",
      token: () => sign({ kid: "rs256" }, claims(), { signAs: "RS256" }),
      expected: "algorithm",
    },
    {
      name: "RS256 with RS384's key",
      token: () => sign({ alg: "RS256", kid: "rs384" }, claims()),
      expected: "unknown_key",
    },
    {
      name: "RS384 signed as RS256",
      token: () => sign({ alg: "RS384", kid: "rs384" }, claims(), { signAs: "RS256" }),
      expected: "signature",
    },
    {
      name: "RS256 naming the EC key",
      token: () => sign({ alg: "RS256", kid: "es256" }, claims()),
      expected: "unknown_key",
    },
    { name: "no kid, several keys", token: () => sign({ alg: "RS256" }, claims()), expected: "unknown_key" },
    {
      name: "kid of two keys",
      token: () => sign({ alg: "RS256", kid: "dup" }, claims()),
      expected: "unknown_key",
    },
    {
      name: "unknown kid",
      token: () => sign({ alg: "RS256", kid: "nope" }, claims()),
      expected: "unknown_key",
    },
    { name: "numeric kid", token: () => sign({ alg: "RS256", kid: 7 }, claims()), expected: "unknown_key" },
    {
      name: "key for encryption",
      token: () => sign({ alg: "RS256", kid: "enc" }, claims()),
      expected: "unknown_key",
    },
    {
      name: "key_ops without verify",
      token: () => sign({ alg: "RS256", kid: "sign-only" }, claims()),
      expected: "unknown_key",
    },
    {
      name: "signed by another key",
      token: () => sign(RS256, claims(), { signer: "rsaOther" }),
      expected: "signature",
    },
    // crit and b64 (RFC 7515 §4.1.11, RFC 7797)
    {
      name: "crit unknown",
      token: () => sign({ ...RS256, crit: ["exp"], exp: 1 }, claims()),
      expected: "malformed",
    },
    {
      name: "crit b64 true",
      token: () => sign({ ...RS256, crit: ["b64"], b64: true }, claims()),
      expected: "malformed",
      sdk: true,
    },
    {
      name: "crit b64 false",
      token: () => sign({ ...RS256, crit: ["b64"], b64: false }, claims()),
      expected: "malformed",
    },
    {
      name: "b64 false, not critical",
      token: () => sign({ ...RS256, b64: false }, claims()),
      expected: "malformed",
      sdk: true,
    },
    { name: "crit empty", token: () => sign({ ...RS256, crit: [] }, claims()), expected: "malformed" },
    // JSON
    {
      name: "duplicate claim",
      token: () =>
        signSegments(
          b64(JSON.stringify(RS256)),
          b64(`{"sub":"x",${JSON.stringify(claims()).slice(1)}`),
          "RS256",
        ),
      expected: "malformed",
      sdk: true,
    },
    {
      name: "duplicate alg",
      token: () =>
        signSegments(
          b64(`{"alg":"none",${JSON.stringify(RS256).slice(1)}`),
          b64(JSON.stringify(claims())),
          "RS256",
        ),
      expected: "malformed",
      sdk: true,
    },
    {
      name: "__proto__ claim",
      token: () =>
        signSegments(
          b64(JSON.stringify(RS256)),
          b64(`{"__proto__":{"admin":true},${JSON.stringify(claims()).slice(1)}`),
          "RS256",
        ),
      expected: "malformed",
      sdk: true,
    },
    { name: "payload an array", token: () => sign(RS256, "[1]"), expected: "malformed" },
    { name: "payload a string", token: () => sign(RS256, '"x"'), expected: "malformed" },
    { name: "payload null", token: () => sign(RS256, "null"), expected: "malformed" },
    { name: "payload not JSON", token: () => sign(RS256, "{"), expected: "malformed" },
    {
      name: "payload not UTF-8",
      token: () =>
        sign(
          RS256,
          Buffer.concat([
            Buffer.from('{"x":"'),
            Buffer.from([0xff]),
            Buffer.from(`",${JSON.stringify(claims()).slice(1)}`),
          ]),
        ),
      expected: "malformed",
    },
    {
      name: "header not UTF-8",
      token: () =>
        signSegments(
          b64(
            Buffer.concat([
              Buffer.from('{"x":"'),
              Buffer.from([0xff]),
              Buffer.from(`",${JSON.stringify(RS256).slice(1)}`),
            ]),
          ),
          b64(JSON.stringify(claims())),
          "RS256",
        ),
      expected: "malformed",
    },
    {
      name: "header kid not UTF-8 (a surrogate encoded in UTF-8)",
      token: () =>
        signSegments(
          b64(
            Buffer.concat([
              Buffer.from('{"alg":"RS256","kid":"rs256","y":"'),
              Buffer.from([0xed, 0xa0, 0x80]),
              Buffer.from('"}'),
            ]),
          ),
          b64(JSON.stringify(claims())),
          "RS256",
        ),
      expected: "malformed",
    },
    {
      name: "payload with a BOM",
      token: () => sign(RS256, `\ufeff${JSON.stringify(claims())}`),
      expected: "malformed",
      sdk: true,
    },
    {
      name: "escaped lone surrogate",
      token: () => sign(RS256, `{"name":"\\ud800",${JSON.stringify(claims()).slice(1)}`),
      expected: "accept",
    },
    // base64url
    {
      name: "padded signature",
      token: () => `${sign(RS256, claims())}==`,
      expected: "malformed",
      sdk: true,
    },
    {
      name: "signature with a space",
      token: () => `${sign(RS256, claims())} `,
      expected: "malformed",
      sdk: true,
    },
    {
      name: "signature with + and /",
      token: () => {
        for (let i = 0; ; i += 1) {
          const token = sign(RS256, claims({ jti: String(i) }));
          if (/[-_]/.test(token.split(".")[2] ?? ""))
            return token.replace(
              /\.([^.]*)$/,
              (_m, s: string) => `.${s.replace(/-/g, "+").replace(/_/g, "/")}`,
            );
        }
      },
      expected: "malformed",
    },
    {
      name: "signature trailing bits",
      token: () => flipTrailingBits(sign(RS256, claims()), 2),
      expected: "malformed",
      sdk: true,
    },
    {
      name: "signature one character short",
      token: () => sign(RS256, claims()).slice(0, -1),
      expected: "malformed",
    },
    {
      name: "signature two characters short",
      token: () => sign(RS256, claims()).slice(0, -2),
      expected: "signature",
    },
    {
      name: "signature empty",
      token: () => sign(RS256, claims()).replace(/\.[^.]*$/, "."),
      expected: "signature",
    },
    {
      name: "signature with a leading zero byte",
      token: () => {
        const [h, p, s] = sign(RS256, claims()).split(".");
        return `${h}.${p}.${b64(Buffer.concat([Buffer.from([0]), Buffer.from(s ?? "", "base64url")]))}`;
      },
      expected: "signature",
    },
    {
      name: "payload segment padded (signed so)",
      token: () =>
        signSegments(
          b64(JSON.stringify(RS256)),
          encodeSegment(Buffer.from(JSON.stringify(claims({ x: "a" }))), "padded"),
          "RS256",
        ),
      expected: "malformed",
      sdk: true,
    },
    {
      name: "payload segment with non-zero trailing bits (signed so)",
      token: () =>
        flipTrailingBits(signSegments(b64(JSON.stringify(RS256)), spareBitsPayload(), "RS256"), 1, true),
      expected: "malformed",
      sdk: true,
    },
    { name: "four segments", token: () => `${sign(RS256, claims())}.x`, expected: "malformed" },
    // claims
    {
      name: "exp a string",
      token: () => sign(RS256, claims({ exp: String(NOW_S + 300) })),
      expected: "claims",
    },
    { name: "exp null", token: () => sign(RS256, claims({ exp: null })), expected: "claims" },
    { name: "exp missing", token: () => sign(RS256, claims({ exp: undefined })), expected: "claims" },
    { name: "exp passed", token: () => sign(RS256, claims({ exp: NOW_S - TOLERANCE })), expected: "expired" },
    {
      name: "exp within tolerance",
      token: () => sign(RS256, claims({ exp: NOW_S - TOLERANCE + 1 })),
      expected: "accept",
    },
    {
      name: "exp a float",
      token: () => sign(RS256, claims({ exp: NOW_S - TOLERANCE + 0.5 })),
      expected: "accept",
    },
    { name: "exp huge", token: () => sign(RS256, claims({ exp: 1e20 })), expected: "accept" },
    {
      name: "exp infinite (1e309)",
      token: () => sign(RS256, JSON.stringify(claims()).replace(/"exp":\d+/, '"exp":1e309')),
      expected: "claims",
      sdk: true,
    },
    {
      name: "nbf ahead",
      token: () => sign(RS256, claims({ nbf: NOW_S + TOLERANCE + 1 })),
      expected: "not_yet_valid",
    },
    {
      name: "nbf within tolerance",
      token: () => sign(RS256, claims({ nbf: NOW_S + TOLERANCE })),
      expected: "accept",
    },
    { name: "nbf a string", token: () => sign(RS256, claims({ nbf: "0" })), expected: "claims" },
    { name: "iat a string", token: () => sign(RS256, claims({ iat: "0" })), expected: "claims" },
    {
      name: "iat ahead",
      token: () => sign(RS256, claims({ iat: NOW_S + TOLERANCE + 1 })),
      expected: "not_yet_valid",
      sdk: true,
    },
    { name: "aud array", token: () => sign(RS256, claims({ aud: ["api"] })), expected: "accept" },
    { name: "aud empty array", token: () => sign(RS256, claims({ aud: [] })), expected: "audience" },
    { name: "aud other", token: () => sign(RS256, claims({ aud: "API" })), expected: "audience" },
    { name: "aud missing", token: () => sign(RS256, claims({ aud: undefined })), expected: "audience" },
    { name: "aud a number", token: () => sign(RS256, claims({ aud: 1 })), expected: "audience" },
    {
      name: "aud several, no azp",
      token: () => sign(RS256, claims({ aud: ["x", "api"] })),
      expected: "audience",
      sdk: true,
    },
    {
      name: "aud several with azp",
      token: () => sign(RS256, claims({ aud: ["x", "api"], azp: "app" })),
      expected: "accept",
    },
    {
      name: "aud missing, no audience asked",
      token: () => sign(RS256, claims({ aud: undefined })),
      check: check({ audience: undefined }),
      expected: "accept",
    },
    {
      name: "audience list",
      token: () => sign(RS256, claims({ aud: "b" })),
      check: check({ audience: ["a", "b"] }),
      expected: "accept",
    },
    { name: "iss with a slash", token: () => sign(RS256, claims({ iss: `${ISS}/` })), expected: "issuer" },
    { name: "iss missing", token: () => sign(RS256, claims({ iss: undefined })), expected: "issuer" },
    {
      name: "sub required, missing",
      token: () => sign(RS256, claims({ sub: undefined })),
      check: check({ requiredClaims: ["exp", "sub"] }),
      expected: "claims",
    },
    // typ: neither path checks it (the provider rules do, after verification).
    { name: "typ at+jwt", token: () => sign({ ...RS256, typ: "at+jwt" }, claims()), expected: "accept" },
    {
      name: "typ application/AT+JWT",
      token: () => sign({ ...RS256, typ: "application/AT+JWT" }, claims()),
      expected: "accept",
    },
    { name: "typ a number", token: () => sign({ ...RS256, typ: 1 }, claims()), expected: "accept" },
  ];

  it.each(corpus)("hand-made: $name", async ({ token, check: c, expected, sdk }) => {
    const v = await verdicts(token(), c ?? check());
    if (expected === "accept") expect(v.fast).toMatchObject({ ok: true });
    else expect(v.fast).toMatchObject({ ok: false, code: "token_invalid", reason: expected });
    if (!v.fast.ok)
      expect(v.jose.ok, "jose accepts exactly what the SDK's own rules refuse").toBe(sdk === true);
  });

  it("agrees with jose on mutated tokens (property)", async () => {
    await fc.assert(
      fc.asyncProperty(tokenCase(), fc.constantFrom(...CHECKS), async (made, c) => {
        await verdicts(made, c);
      }),
      { numRuns: 1000 },
    );
  }, 30_000);
});

/** Flips the lowest bit of a segment's last character (non-zero trailing bits, same bytes) when it has spare bits. */
/** A payload segment whose last character has spare bits (its length is not a multiple of 4). */
function spareBitsPayload(): string {
  for (let x = "a"; ; x += "a") {
    const segment = b64(JSON.stringify(claims({ x })));
    if (segment.length % 4 !== 0) return segment;
  }
}

function flipTrailingBits(token: string, segment: number, resign = false): string {
  const parts = token.split(".");
  const s = parts[segment] ?? "";
  if (s.length % 4 === 0 || s.length === 0) return token;
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const last = alphabet.indexOf(s.at(-1) ?? "A");
  parts[segment] = s.slice(0, -1) + alphabet[last ^ 1];
  if (resign) return signSegments(parts[0] ?? "", parts[1] ?? "", "RS256");
  return parts.join(".");
}

const CHECKS: readonly JwtCheck[] = [
  check(),
  check({ audience: ["x", "api"] }),
  check({ audience: undefined }),
  check({ requiredClaims: ["exp", "sub"] }),
  check({ algorithms: ["RS256", "RS384", "RS512", "PS256", "ES256", "HS256", "none"] }),
  check({ clockToleranceSeconds: 0 }),
];

const TIMES = [
  undefined,
  NOW_S,
  NOW_S - TOLERANCE,
  NOW_S - TOLERANCE + 1,
  NOW_S + TOLERANCE,
  NOW_S + TOLERANCE + 1,
  NOW_S + 300,
  NOW_S - 300,
  NOW_S + 0.5,
  0,
  -1,
  1e20,
  "1",
  null,
  true,
  [NOW_S],
];

/** The kid of the published key made for each algorithm. */
const MATCHING = "(matching)";
const KID_OF: Readonly<Record<string, string>> = {
  RS256: "rs256",
  RS384: "rs384",
  RS512: "rs512",
  PS256: "ps256",
  ES256: "es256",
};

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** A token made from a valid one: header fields, claims, JSON text, encodings, signer, then tampering. */
function tokenCase(): fc.Arbitrary<string> {
  const header = fc
    .record({
      alg: mostly("RS256", fc.constantFrom("RS384", "RS512", "PS256", "ES256", "HS256", "none", "rs256")),
      kid: mostly(
        MATCHING,
        fc.constantFrom("rsa-any", "rs256", "ps256", "es256", "short", "enc", "verify-op", "dup", "nope", 7),
      ),
      typ: mostly("JWT", fc.constantFrom("at+jwt", "application/at+jwt", "AT+JWT", 3, ABSENT)),
      crit: mostly(ABSENT, fc.constantFrom(["b64"], ["exp"], [], "b64"), 12),
      b64: mostly(ABSENT, fc.constantFrom(true, false), 12),
    })
    .map(({ kid, ...rest }) =>
      present({ ...rest, kid: kid === MATCHING ? (KID_OF[String(rest.alg)] ?? "rs256") : kid }),
    );
  const time = (valid: number) =>
    mostly(
      valid,
      fc.oneof(fc.constantFrom(...TIMES), fc.integer({ min: NOW_S - 400, max: NOW_S + 400 }), fc.double()),
    );
  const payload = fc
    .record({
      iss: mostly(ISS, fc.constantFrom(`${ISS}/`, ISS.toUpperCase(), 1), 8),
      aud: mostly("api", fc.constantFrom(["api"], [], ["x", "api"], ["x"], "x", 1, ["api", 1], null, ABSENT)),
      azp: mostly(ABSENT, fc.constantFrom("app", 1)),
      sub: mostly("u-1", fc.constantFrom("", ABSENT)),
      exp: time(NOW_S + 300),
      nbf: time(NOW_S - 10),
      iat: time(NOW_S - 10),
    })
    .map(present);
  const text = mostly(
    "plain",
    fc.constantFrom("pretty", "duplicate", "bom", "notUtf8", "proto", "infinite", "array", "garbage"),
    8,
  );
  const encoding = mostly("canonical", fc.constantFrom("padded", "trailingBits", "plusSlash", "space"), 8);
  const tamper: fc.Arbitrary<Tamper> = mostly(
    { kind: "none" } as Tamper,
    fc.oneof(
      fc.record({
        kind: fc.constant("char" as const),
        segment: fc.integer({ min: 0, max: 2 }),
        at: fc.nat(),
        char: fc.constantFrom(...`${ALPHABET}=+/ .`),
      }),
      fc.record({
        kind: fc.constant("append" as const),
        text: fc.constantFrom("=", "==", "A", "AA", " ", "\n", ""),
      }),
      fc.record({ kind: fc.constant("truncate" as const), n: fc.integer({ min: 1, max: 4 }) }),
      fc.constant({ kind: "emptySignature" as const }),
      fc.constant({ kind: "zeroPrefix" as const }),
      fc.constant({ kind: "trailingBits" as const }),
    ),
    5,
  );
  return fc
    .record({
      header,
      payload,
      headerText: text,
      payloadText: text,
      headerEncoding: encoding,
      payloadEncoding: encoding,
      signAs: mostly(ABSENT, fc.constantFrom("RS256", "RS384", "RS512", "PS256", "ES256")),
      signer: mostly("rsa" as Signer, fc.constantFrom<Signer>("rsaOther", "rsaShort", "ec")),
      tamper,
    })
    .map((m) => {
      const h = encodeSegment(jsonText(m.header, m.headerText, "alg", "none"), m.headerEncoding);
      const p = encodeSegment(jsonText(m.payload, m.payloadText, "iss", "x"), m.payloadEncoding);
      const named = typeof m.header.alg === "string" ? m.header.alg : "RS256";
      const alg = m.signAs === ABSENT ? named : m.signAs;
      const signer: Signer = alg.startsWith("ES") ? "ec" : m.signer === "ec" ? "rsa" : m.signer;
      return tampered(signSegments(h, p, alg === "rs256" ? "RS256" : alg, signer), m.tamper);
    });
}

/** A member left out of the JSON. */
const ABSENT = "(absent)";

/** `usual` `weight` times out of `weight + 1`, else one of `others`. */
function mostly<T, U>(usual: T, others: fc.Arbitrary<U>, weight = 3): fc.Arbitrary<T | U> {
  const usualArbitrary: fc.Arbitrary<T | U> = fc.constant(usual);
  const othersArbitrary: fc.Arbitrary<T | U> = others;
  return fc.oneof({ weight, arbitrary: usualArbitrary }, { weight: 1, arbitrary: othersArbitrary });
}

function present(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== ABSENT));
}

function jsonText(value: Record<string, unknown>, how: string, name: string, other: string): Buffer {
  const plain = JSON.stringify(value);
  const rest = plain.length > 2 ? `,${plain.slice(1)}` : "}";
  switch (how) {
    case "pretty":
      return Buffer.from(JSON.stringify(value, null, 1));
    case "duplicate":
      return Buffer.from(`{${JSON.stringify(name)}:${JSON.stringify(other)}${rest}`);
    case "bom":
      return Buffer.from(`\ufeff${plain}`);
    case "notUtf8":
      return Buffer.concat([Buffer.from('{"z":"'), Buffer.from([0xc3]), Buffer.from(`"${rest}`)]);
    case "proto":
      return Buffer.from(`{"__proto__":{}${rest}`);
    case "infinite":
      return Buffer.from(`{"exp":1e309${rest.replace(/"exp":[^,}]*,?/, "").replace(/,}$/, "}")}`);
    case "array":
      return Buffer.from(`[${plain}]`);
    case "garbage":
      return Buffer.from(`${plain} x`);
    default:
      return Buffer.from(plain);
  }
}

function encodeSegment(bytes: Buffer, how: string): string {
  const s = b64(bytes);
  switch (how) {
    case "padded":
      return s + "=".repeat((4 - (s.length % 4)) % 4);
    case "trailingBits": {
      if (s.length % 4 === 0) return s;
      return s.slice(0, -1) + ALPHABET[ALPHABET.indexOf(s.at(-1) ?? "A") ^ 1];
    }
    case "plusSlash":
      return s.replace(/-/g, "+").replace(/_/g, "/");
    case "space":
      return `${s.slice(0, 4)} ${s.slice(4)}`;
    default:
      return s;
  }
}

type Tamper =
  | { readonly kind: "none" | "emptySignature" | "zeroPrefix" | "trailingBits" }
  | { readonly kind: "char"; readonly segment: number; readonly at: number; readonly char: string }
  | { readonly kind: "append"; readonly text: string }
  | { readonly kind: "truncate"; readonly n: number };

function tampered(token: string, tamper: Tamper): string {
  const parts = token.split(".");
  switch (tamper.kind) {
    case "char": {
      const s = parts[tamper.segment] ?? "";
      const at = s.length === 0 ? 0 : tamper.at % s.length;
      parts[tamper.segment] = s.slice(0, at) + tamper.char + s.slice(at + 1);
      return parts.join(".");
    }
    case "append":
      return token + tamper.text;
    case "truncate":
      return token.slice(0, -tamper.n);
    case "emptySignature":
      return `${parts[0]}.${parts[1]}.`;
    case "zeroPrefix":
      return `${parts[0]}.${parts[1]}.${b64(Buffer.concat([Buffer.from([0]), Buffer.from(parts[2] ?? "", "base64url")]))}`;
    case "trailingBits":
      return flipTrailingBits(token, 2);
    default:
      return token;
  }
}
