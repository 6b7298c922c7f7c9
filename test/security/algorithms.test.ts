/**
 * SECURITY.md #1, #2, #7, #14: what the `alg` header may make us do.
 * Both providers sit behind one createIdentity; "before any key lookup"
 * means the recording fetches saw nothing at all (not even discovery).
 */
import { createPublicKey, X509Certificate } from "node:crypto";
import { base64url, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentity, entraId, keycloak, oidc } from "../../src/index.js";
import {
  attackerKey,
  decodePart,
  forge,
  hmacJwt,
  labIssuer,
  nowSeconds,
  partsOf,
  reshape,
  signRaw,
} from "../support/attacker.js";
import { issuerOf } from "../support/keycloak-env.js";
import { expectNoRequests, refusal, type SecurityWorld, securityWorld } from "./world.js";

let world: SecurityWorld;
let entraToken: string;
let keycloakToken: string;
beforeAll(async () => {
  world = await securityWorld();
  [entraToken, keycloakToken] = await Promise.all([world.entraToken(), world.keycloakToken()]);
});
afterAll(() => world.close());

const tokens = () => [
  { provider: "entra", token: entraToken },
  { provider: "eu", token: keycloakToken },
];

describe("A2#1 alg=none", () => {
  it("A2#1 alg=none in every casing, signature dropped or kept, is refused before any key lookup", async () => {
    const stage = world.stage();
    for (const { provider, token } of tokens()) {
      for (const alg of ["none", "None", "NONE", "nOnE"]) {
        for (const signature of ["", partsOf(token)[2]]) {
          const forged = reshape(token, { header: (h) => ({ ...h, alg }), signature });
          await refusal(
            stage.identity.verifyAccessToken(forged, { audience: world.audience }),
            "algorithm",
            provider,
          );
        }
      }
    }
    expectNoRequests(stage);
  });

  it("A2#1 a header without alg, or with a non-string alg, is refused before any key lookup", async () => {
    const stage = world.stage();
    for (const { provider, token } of tokens()) {
      for (const alg of [undefined, null, ["RS256"], 256, { RS256: true }]) {
        const forged = reshape(token, { header: (h) => ({ ...h, alg }) });
        await refusal(
          stage.identity.verifyAccessToken(forged, { audience: world.audience }),
          "algorithm",
          provider,
        );
      }
    }
    expectNoRequests(stage);
  });
});

/** Every text and binary form of an RSA public key an HMAC "secret" could be made from (CVE-2016-10555 and kin). */
function keyForms(jwk: JWK & { x5c?: string[] }): Record<string, Uint8Array> {
  const key = createPublicKey({ key: jwk as never, format: "jwk" });
  const pem = key.export({ format: "pem", type: "spki" }).toString();
  const text = (s: string) => new TextEncoder().encode(s);
  const forms: Record<string, Uint8Array> = {
    "PEM with trailing newline": text(pem),
    "PEM without trailing newline": text(pem.trimEnd()),
    "PEM with CRLF": text(pem.replaceAll("\n", "\r\n")),
    "PEM with leading whitespace": text(`  \n\t${pem}`),
    "PEM with leading junk": text(`x${pem}`),
    "PKCS#1 PEM": text(key.export({ format: "pem", type: "pkcs1" }).toString()),
    "JWK JSON": text(JSON.stringify(jwk)),
    "JWK JSON (n, e only)": text(JSON.stringify({ kty: "RSA", n: jwk.n, e: jwk.e })),
    DER: new Uint8Array(key.export({ format: "der", type: "spki" })),
  };
  const x5c = jwk.x5c?.[0];
  if (x5c) {
    const cert = new X509Certificate(Buffer.from(x5c, "base64"));
    forms["x5c certificate DER"] = new Uint8Array(cert.raw);
    forms["x5c certificate PEM"] = text(cert.toString());
    forms["x5c base64 string"] = text(x5c);
  }
  return forms;
}

async function publishedKey(jwksUri: string, kid: string): Promise<JWK & { x5c?: string[] }> {
  const { keys } = (await (await fetch(jwksUri)).json()) as { keys: (JWK & { kid: string })[] };
  const key = keys.find((k) => k.kid === kid);
  if (!key) throw new Error(`no key ${kid} at ${jwksUri}`);
  return key;
}

describe("A2#2 RS256 → HS256 key confusion", () => {
  it("A2#2 HS256/384/512 keyed with every form of each provider's own public key is refused before any key lookup", async () => {
    const published = {
      entra: await publishedKey(
        `${world.entra.url}/${world.tenantId}/discovery/v2.0/keys`,
        String(decodePart(partsOf(entraToken)[0]).kid),
      ),
      eu: await publishedKey(
        `${issuerOf()}/protocol/openid-connect/certs`,
        String(decodePart(partsOf(keycloakToken)[0]).kid),
      ),
    };
    const stage = world.stage();
    let attempts = 0;
    for (const { provider, token } of tokens()) {
      const header = decodePart(partsOf(token)[0]);
      const payload = decodePart(partsOf(token)[1]);
      const forms = keyForms(published[provider as "entra" | "eu"]);
      for (const [form, secret] of Object.entries(forms)) {
        for (const alg of ["HS256", "HS384", "HS512"] as const) {
          const forged = hmacJwt(alg, secret, header, payload);
          const error = await refusal(
            stage.identity.verifyAccessToken(forged, { audience: world.audience }),
            "algorithm",
            provider,
          );
          expect(error.message, `${provider} ${form} ${alg}`).not.toContain(forged);
          attempts += 1;
        }
      }
    }
    expect(attempts).toBeGreaterThanOrEqual(2 * 9 * 3);
    expectNoRequests(stage);
  });

  it("A2#2 a provider cannot even be configured to accept HMAC or none", () => {
    for (const algorithms of [["HS256"], ["RS256", "HS256"], ["none"]]) {
      expect(() =>
        entraId({
          id: "entra",
          tenantId: world.tenantId,
          clientId: "x",
          authority: world.entra.url,
          algorithms,
        } as never),
      ).toThrow(expect.objectContaining({ code: "config_invalid" }));
      expect(() => keycloak({ id: "eu", issuer: issuerOf(), clientId: "app", algorithms } as never)).toThrow(
        expect.objectContaining({ code: "config_invalid" }),
      );
    }
  });
});

describe("A2#7 algorithm downgrade and weak keys", () => {
  it("A2#7 Entra (RS256 only): a token signed PS256, ES256 or ES384 with Entra's iss is refused before any key lookup", async () => {
    const stage = world.stage();
    const claims = decodePart(partsOf(entraToken)[1]);
    for (const alg of ["PS256", "ES256", "ES384"] as const) {
      const key = await attackerKey(alg, { kid: String(decodePart(partsOf(entraToken)[0]).kid) });
      await refusal(
        stage.identity.verifyAccessToken(forge(key, claims), { audience: world.audience }),
        "algorithm",
        "entra",
      );
    }
    expectNoRequests(stage);
  });

  it("A2#7 Keycloak: its RS256 signature relabelled PS256 or ES256 finds no key (the published key is RS256-only)", async () => {
    const stage = world.stage();
    for (const alg of ["PS256", "ES256"]) {
      const relabelled = reshape(keycloakToken, { header: (h) => ({ ...h, alg }) });
      await refusal(
        stage.identity.verifyAccessToken(relabelled, { audience: world.audience }),
        "unknown_key",
        "eu",
      );
    }
    // The genuine token still passes with the same identity.
    await expect(
      stage.identity.verifyAccessToken(keycloakToken, { audience: world.audience }),
    ).resolves.toMatchObject({
      provider: "eu",
    });
  });

  it("A2#7 a published 1024-bit RSA key does not verify a token it signed", async () => {
    const weak = await attackerKey("RS256", { kid: "weak", modulusLength: 1024 });
    const lab = labIssuer("https://lab.example.test", [weak.publicJwk]);
    const identity = createIdentity({
      providers: [oidc({ id: "lab", issuer: lab.issuer, clientId: "c", runtime: { fetch: lab.fetch } })],
    });
    const token = forge(weak, { iss: lab.issuer, sub: "s", aud: "api", exp: nowSeconds() + 60 });
    // jose refuses RSA keys under 2048 bits (RFC 8725 §3.5); the SDK reports it under its catch-all reason.
    await refusal(identity.verifyAccessToken(token, { audience: "api" }), "malformed", "lab");
    expect(lab.jwksFetches()).toBe(1);
  });

  it("A2#7 an ES256 token whose kid names a P-384 key finds no key (curve must match alg)", async () => {
    const p384 = await attackerKey("ES384", { kid: "mismatch" });
    const lab = labIssuer("https://lab.example.test", [withoutAlg(p384.publicJwk)]);
    const identity = createIdentity({
      providers: [oidc({ id: "lab", issuer: lab.issuer, clientId: "c", runtime: { fetch: lab.fetch } })],
    });
    const header = JSON.stringify({ alg: "ES256", kid: "mismatch", typ: "JWT" });
    const payload = JSON.stringify({ iss: lab.issuer, sub: "s", aud: "api", exp: nowSeconds() + 60 });
    // signed with the P-384 key but labelled ES256
    const token = signRaw({ ...p384, alg: "ES384" }, header, payload);
    await refusal(identity.verifyAccessToken(token, { audience: "api" }), "unknown_key", "lab");
  });
});

/** A published key without `alg`: jose must then match on kty/crv alone. */
function withoutAlg(jwk: JWK): JWK {
  const { alg: _alg, ...rest } = jwk;
  return rest;
}

describe("A2#14 psychic signatures (CVE-2022-21449)", () => {
  it("A2#14 ES256 signatures r = s = 0, r = s = n, r = 0 with s = n, r = s = 1, and an empty one are refused", async () => {
    const key = await attackerKey("ES256", { kid: "ec" });
    const lab = labIssuer("https://lab.example.test", [key.publicJwk]);
    const identity = createIdentity({
      providers: [oidc({ id: "lab", issuer: lab.issuer, clientId: "c", runtime: { fetch: lab.fetch } })],
    });
    const good = forge(key, { iss: lab.issuer, sub: "s", aud: "api", exp: nowSeconds() + 60 });
    await expect(identity.verifyAccessToken(good, { audience: "api" })).resolves.toMatchObject({
      subject: "s",
    });
    const n = Buffer.from("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", "hex");
    const signatures = {
      "r = s = 0": Buffer.alloc(64),
      "r = s = n": Buffer.concat([n, n]),
      "r = 0, s = n": Buffer.concat([Buffer.alloc(32), n]),
      "r = s = 1": Buffer.concat([Buffer.alloc(31), Buffer.from([1]), Buffer.alloc(31), Buffer.from([1])]),
      empty: Buffer.alloc(0),
    };
    for (const [name, signature] of Object.entries(signatures)) {
      const forged = reshape(good, { signature: base64url.encode(signature) });
      const error = await refusal(
        identity.verifyAccessToken(forged, { audience: "api" }),
        "signature",
        "lab",
      );
      expect(error.reason, name).toBe("signature");
    }
  });
});
