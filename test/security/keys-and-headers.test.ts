/**
 * SECURITY.md #3, #4, #5, #6, #23: header members that try to choose
 * the key (`kid`, `jku`, `x5u`, `jwk`, `x5c`), change how the token is read
 * (`crit`, `b64`), or change what the token is (JWE, JSON serialization).
 */
import { CompactEncrypt, importJWK, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentity, oidc } from "../../src/index.js";
import { selfSignedCertificate } from "../../src/testing/entra/certificate.js";
import {
  attackerKey,
  b64,
  decodePart,
  forge,
  labIssuer,
  nowSeconds,
  partsOf,
  type Recorder,
  signatureOf,
  signRaw,
  startRecorder,
} from "../support/attacker.js";
import { expectNoRequests, jwksFetches, refusal, type SecurityWorld, securityWorld } from "./world.js";

let world: SecurityWorld;
let recorder: Recorder;
let entraToken: string;
let keycloakToken: string;
beforeAll(async () => {
  world = await securityWorld();
  [entraToken, keycloakToken] = await Promise.all([world.entraToken(), world.keycloakToken()]);
});
afterAll(() => world.close());

const claimsOf = (token: string) => decodePart(partsOf(token)[1]);
const kidOf = (token: string) => String(decodePart(partsOf(token)[0]).kid);
const tokens = () => [
  { provider: "entra", token: entraToken },
  { provider: "eu", token: keycloakToken },
];

/** A stage that has verified one genuine token per provider: one key-set fetch each, then the attack. */
async function warmStage() {
  const stage = world.stage();
  for (const { token } of tokens())
    await stage.identity.verifyAccessToken(token, { audience: world.audience });
  expect(jwksFetches(stage)).toEqual({ entra: 1, eu: 1 });
  return stage;
}

describe("A2#3 kid injection", () => {
  const payloads = [
    "../../../../../../dev/null",
    "/dev/null",
    "../../../../../../etc/passwd",
    "x' UNION SELECT '1';--",
    "|sleep 10",
    "$(sleep 10)",
    "`id`",
    "\u0000",
    "%00",
    "a".repeat(4_000),
  ];

  it("A2#3 path traversal, SQL and shell kid payloads find no key and cause no extra key-set fetch", async () => {
    const stage = await warmStage();
    const key = await attackerKey("RS256");
    for (const { provider, token } of tokens()) {
      for (const kid of payloads) {
        const forged = forge(key, claimsOf(token), { kid });
        await refusal(
          stage.identity.verifyAccessToken(forged, { audience: world.audience }),
          "unknown_key",
          provider,
        );
      }
    }
    expect(jwksFetches(stage)).toEqual({ entra: 1, eu: 1 });
  });

  it("A2#3 an empty kid is not a wildcard: an attacker's token finds no key", async () => {
    const stage = await warmStage();
    const key = await attackerKey("RS256");
    for (const { provider, token } of tokens()) {
      const forged = forge(key, claimsOf(token), { kid: "" });
      await refusal(
        stage.identity.verifyAccessToken(forged, { audience: world.audience }),
        "unknown_key",
        provider,
      );
    }
    expect(jwksFetches(stage)).toEqual({ entra: 1, eu: 1 });
  });
});

describe("A2#4 jku / x5u injection", () => {
  beforeAll(async () => {
    const key = await attackerKey("RS256", { kid: "attacker" });
    recorder = await startRecorder(() => ({ keys: [key.publicJwk] }));
  });
  afterAll(() => recorder.close());

  it("A2#4 a token naming the attacker's key set in jku is refused and the attacker's server sees no request", async () => {
    const stage = world.stage();
    const key = await attackerKey("RS256", { kid: "attacker" });
    for (const { provider, token } of tokens()) {
      const forged = forge(key, claimsOf(token), { jku: `${recorder.url}/jwks.json` });
      await refusal(
        stage.identity.verifyAccessToken(forged, { audience: world.audience }),
        "unknown_key",
        provider,
      );
      // With a real kid the published key is used, and the attacker's signature fails.
      const reusingKid = forge(key, claimsOf(token), { kid: kidOf(token), jku: `${recorder.url}/jwks.json` });
      await refusal(
        stage.identity.verifyAccessToken(reusingKid, { audience: world.audience }),
        "signature",
        provider,
      );
    }
    expect(recorder.requests).toEqual([]);
    expect([...stage.entraFetch.requests, ...stage.euFetch.requests].join("\n")).not.toContain(recorder.url);
  });

  it("A2#4 a token naming the attacker's certificate in x5u is refused and the attacker's server sees no request", async () => {
    const stage = world.stage();
    const key = await attackerKey("RS256", { kid: "attacker" });
    for (const { provider, token } of tokens()) {
      for (const kid of ["attacker", kidOf(token)]) {
        const forged = forge(key, claimsOf(token), { kid, x5u: `${recorder.url}/cert.pem` });
        await refusal(
          stage.identity.verifyAccessToken(forged, { audience: world.audience }),
          kid === "attacker" ? "unknown_key" : "signature",
          provider,
        );
      }
    }
    expect(recorder.requests).toEqual([]);
    expect([...stage.entraFetch.requests, ...stage.euFetch.requests].join("\n")).not.toContain(recorder.url);
  });
});

describe("A2#5 embedded jwk / x5c", () => {
  it("A2#5 a token carrying the attacker's public key in jwk (CVE-2018-0114) is refused", async () => {
    const stage = await warmStage();
    const key = await attackerKey("RS256", { kid: "attacker" });
    for (const { provider, token } of tokens()) {
      const embedded = forge(key, claimsOf(token), { jwk: key.publicJwk });
      await refusal(
        stage.identity.verifyAccessToken(embedded, { audience: world.audience }),
        "unknown_key",
        provider,
      );
      const withRealKid = forge(key, claimsOf(token), {
        kid: kidOf(token),
        jwk: { ...key.publicJwk, kid: kidOf(token) },
      });
      await refusal(
        stage.identity.verifyAccessToken(withRealKid, { audience: world.audience }),
        "signature",
        provider,
      );
    }
    expect(jwksFetches(stage)).toEqual({ entra: 1, eu: 1 });
  });

  it("A2#5 a token carrying the attacker's certificate chain in x5c is refused", async () => {
    const stage = await warmStage();
    const key = await attackerKey("RS256", { kid: "attacker" });
    const cert = selfSignedCertificate(key.publicKey, key.privateKey, {
      // The same subject as Entra's real signing certificates.
      commonName: "accounts.accesscontrol.windows.net",
      notBefore: new Date(Date.now() - 86_400_000),
      years: 1,
    });
    for (const { provider, token } of tokens()) {
      for (const kid of [cert.thumbprint, kidOf(token)]) {
        const forged = forge(key, claimsOf(token), {
          kid,
          x5t: cert.thumbprint,
          x5c: [cert.der.toString("base64")],
        });
        await refusal(
          stage.identity.verifyAccessToken(forged, { audience: world.audience }),
          kid === cert.thumbprint ? "unknown_key" : "signature",
          provider,
        );
      }
    }
    expect(jwksFetches(stage)).toEqual({ entra: 1, eu: 1 });
  });
});

describe("A2#6 crit and b64", () => {
  /** A lab issuer whose own key signs the attack, so only the header can be the reason for a refusal. */
  async function lab() {
    const key = await attackerKey("RS256", { kid: "lab" });
    const issuer = labIssuer("https://lab.example.test", [key.publicJwk]);
    const identity = createIdentity({
      providers: [
        oidc({ id: "lab", issuer: issuer.issuer, clientId: "c", runtime: { fetch: issuer.fetch } }),
      ],
    });
    const payload = JSON.stringify({ iss: issuer.issuer, sub: "s", aud: "api", exp: nowSeconds() + 60 });
    return { key, issuer, identity, payload };
  }

  it("A2#6 crit naming an unknown extension, a registered parameter, duplicates, or nothing, is refused before any key lookup", async () => {
    const { key, issuer, identity, payload } = await lab();
    const headers = [
      { alg: "RS256", kid: "lab", crit: ["x-unknown"], "x-unknown": 1 },
      { alg: "RS256", kid: "lab", crit: ["x-unknown"] },
      { alg: "RS256", kid: "lab", crit: ["alg"] },
      { alg: "RS256", kid: "lab", crit: ["exp"], exp: 1 },
      { alg: "RS256", kid: "lab", crit: ["x-a", "x-a"], "x-a": 1 },
      { alg: "RS256", kid: "lab", crit: [] },
      { alg: "RS256", kid: "lab", crit: "x-unknown" },
    ];
    for (const header of headers) {
      await refusal(
        identity.verifyAccessToken(signRaw(key, JSON.stringify(header), payload), { audience: "api" }),
        "malformed",
        "lab",
      );
    }
    expect(issuer.requests).toEqual([]);
    // The same key and claims without crit pass: the header alone was the reason.
    await expect(
      identity.verifyAccessToken(signRaw(key, JSON.stringify({ alg: "RS256", kid: "lab" }), payload), {
        audience: "api",
      }),
    ).resolves.toMatchObject({ subject: "s" });
  });

  it("A2#6 b64:false (unencoded payload, RFC 7797) is refused with or without crit, before any key lookup", async () => {
    const { key, issuer, identity, payload } = await lab();
    // With crit: the signature really covers the raw payload, as RFC 7797 §3 says.
    const header = b64({ alg: "RS256", kid: "lab", b64: false, crit: ["b64"] });
    const unencoded = `${header}.${b64(payload)}.${signatureOf(key, `${header}.${payload}`)}`;
    await refusal(identity.verifyAccessToken(unencoded, { audience: "api" }), "malformed", "lab");
    // Without crit, and with a signature over the usual encoded payload: b64 itself is refused.
    const plain = signRaw(key, JSON.stringify({ alg: "RS256", kid: "lab", b64: false }), payload);
    await refusal(identity.verifyAccessToken(plain, { audience: "api" }), "malformed", "lab");
    expect(issuer.requests).toEqual([]);
  });
});

describe("A2#23 JWS/JWE confusion", () => {
  it("A2#23 a JWE built with the provider's own public key (5 segments, with or without zip:DEF) is refused before any request", async () => {
    const stage = world.stage();
    const { keys } = (await (
      await fetch(`${world.entra.url}/${world.tenantId}/discovery/v2.0/keys`)
    ).json()) as {
      keys: JWK[];
    };
    const published = keys[0] as JWK;
    const encryptionKey = await importJWK(
      { kty: "RSA", n: published.n, e: published.e, alg: "RSA-OAEP-256" } as JWK,
      "RSA-OAEP-256",
    );
    const claims = new TextEncoder().encode(JSON.stringify(claimsOf(entraToken)));
    const jwe = await new CompactEncrypt(claims)
      .setProtectedHeader({ alg: "RSA-OAEP-256", enc: "A256GCM", kid: published.kid as string })
      .encrypt(encryptionKey);
    expect(jwe.split(".")).toHaveLength(5);
    const zipped = [
      b64({ alg: "RSA-OAEP-256", enc: "A256GCM", zip: "DEF" }),
      ...jwe.split(".").slice(1),
    ].join(".");
    for (const token of [jwe, zipped]) {
      await refusal(stage.identity.verifyAccessToken(token, { audience: world.audience }), "malformed");
    }
    expectNoRequests(stage);
  });

  it("A2#23 the JWS JSON serialization (flattened or general) of a genuine token is refused before any request", async () => {
    const stage = world.stage();
    for (const { token } of tokens()) {
      const [protectedHeader, payload, signature] = partsOf(token);
      const flattened = JSON.stringify({ protected: protectedHeader, payload, signature });
      const general = JSON.stringify({ payload, signatures: [{ protected: protectedHeader, signature }] });
      for (const serialized of [flattened, general, b64(flattened)]) {
        await refusal(
          stage.identity.verifyAccessToken(serialized, { audience: world.audience }),
          "malformed",
        );
      }
    }
    expectNoRequests(stage);
  });
});
