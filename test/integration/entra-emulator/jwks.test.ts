// Key sets (docs/reference/entra-id.md §1.6, §1.5) and key rotation (§10).
import { createHash, createPublicKey, X509Certificate } from "node:crypto";
import { createLocalJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimsOf, codeFlow, get, postForm, startWorld, tokenUrl, type World } from "./world.js";

const MSA = "9188040d-6c67-4c5b-b112-36a304b66dad";
let world: World;
let url: string;

beforeAll(async () => {
  world = await startWorld();
  url = world.entra.url;
});
afterAll(() => world.entra.close());

// biome-ignore lint/suspicious/noExplicitAny: JWKS entries are inspected field by field
type Jwk = any;

async function keys(path: string): Promise<Jwk[]> {
  const result = await get(`${url}/${path}`);
  expect(result.status).toBe(200);
  expect(result.headers.get("cache-control")).toBe("max-age=86400, private");
  return result.json.keys;
}

describe("JWKS shape", () => {
  it("publishes several RSA keys with exactly the captured members, in order", async () => {
    const set = await keys(`${world.tenant.id}/discovery/v2.0/keys`);
    expect(set.length).toBeGreaterThanOrEqual(2);
    for (const key of set) {
      expect(Object.keys(key)).toEqual(["kty", "use", "kid", "x5t", "n", "e", "x5c", "issuer"]);
      expect(key).toMatchObject({ kty: "RSA", use: "sig", e: "AQAB" });
      expect(key.kid).toMatch(/^[A-Za-z0-9_-]{27}$/); // 20 bytes of SHA-1, base64url without padding
    }
  });

  it("kid == x5t == base64url(SHA-1(x5c[0])), and x5c[0] is a real self-signed certificate of that key", async () => {
    for (const key of await keys("common/discovery/v2.0/keys")) {
      const der = Buffer.from(key.x5c[0], "base64");
      expect(createHash("sha1").update(der).digest("base64url")).toBe(key.kid);
      expect(key.x5t).toBe(key.kid);
      const certificate = new X509Certificate(der);
      expect(certificate.subject).toBe("CN=accounts.accesscontrol.windows.net");
      expect(certificate.issuer).toBe(certificate.subject);
      expect(certificate.verify(certificate.publicKey)).toBe(true);
      const jwk = certificate.publicKey.export({ format: "jwk" });
      expect({ n: jwk.n, e: jwk.e }).toEqual({ n: key.n, e: key.e });
      const years =
        (Date.parse(certificate.validTo) - Date.parse(certificate.validFrom)) / (365.25 * 86_400_000);
      expect(Math.round(years)).toBe(5);
      expect(Date.parse(certificate.validFrom)).toBeLessThan(Date.now());
      // Like Entra's: X.509 v3, 2048-bit RSA, sha256WithRSAEncryption.
      expect(certificate.toLegacyObject().bits).toBe(2048);
      expect(der.subarray(8, 13).toString("hex")).toBe("a003020102"); // version [0] INTEGER 2 = v3
    }
  });

  it("v2 issuer member: template on common/organizations, concrete on a tenant, MSA key on common and consumers", async () => {
    const common = await keys("common/discovery/v2.0/keys");
    const orgs = await keys("organizations/discovery/v2.0/keys");
    const tenant = await keys(`${world.tenant.id}/discovery/v2.0/keys`);
    const consumers = await keys("consumers/discovery/v2.0/keys");
    const template = `${url}/{tenantid}/v2.0`;
    const msaIssuer = `${url}/${MSA}/v2.0`;
    expect(orgs.map((k: Jwk) => k.issuer)).toEqual(orgs.map(() => template));
    expect(tenant.map((k: Jwk) => k.issuer)).toEqual(tenant.map(() => `${url}/${world.tenant.id}/v2.0`));
    expect(consumers.map((k: Jwk) => k.issuer)).toEqual([msaIssuer]);
    expect(common.map((k: Jwk) => k.issuer).sort()).toEqual([...orgs.map(() => template), msaIssuer].sort());
    // The personal-account key is not a work key.
    expect(orgs.map((k: Jwk) => k.kid)).not.toContain(consumers[0].kid);
  });

  it("v1 keys carry no issuer member", async () => {
    for (const key of await keys(`${world.tenant.id}/discovery/keys`)) {
      expect(Object.keys(key)).toEqual(["kty", "use", "kid", "x5t", "n", "e", "x5c"]);
    }
  });

  it("an unknown tenant's keys are invalid_tenant", async () => {
    const result = await get(`${url}/${crypto.randomUUID()}/discovery/v2.0/keys`);
    expect(result.status).toBe(400);
    expect(result.json.error_codes).toEqual([90002]);
  });
});

describe("signatures", () => {
  it("tokens verify with the published key named by their kid", async () => {
    const tokens = (await codeFlow(world)).json;
    const jwks = createLocalJWKSet({ keys: await keys(`${world.tenant.id}/discovery/v2.0/keys`) });
    for (const token of [tokens.access_token, tokens.id_token]) {
      await expect(jwtVerify(token, jwks)).resolves.toBeTruthy();
    }
  });
});

describe("rotation (§10)", () => {
  async function appToken(w: World): Promise<string> {
    const result = await postForm(tokenUrl(w), {
      grant_type: "client_credentials",
      client_id: w.daemon.clientId,
      client_secret: "daemon-secret",
      scope: `${w.apiV2.identifierUri}/.default`,
    });
    return result.json.access_token;
  }

  it("a new key signs at once and is published; the old one stays published", async () => {
    const w = await startWorld();
    try {
      const before = claimsOf(await appToken(w)).header.kid;
      const { kid } = await w.entra.rotateSigningKey();
      expect(kid).not.toBe(before);
      expect(claimsOf(await appToken(w)).header.kid).toBe(kid);
      const published = (await get(`${w.entra.url}/${w.tenant.id}/discovery/v2.0/keys`)).json.keys.map(
        (k: Jwk) => k.kid,
      );
      expect(published).toEqual(expect.arrayContaining([before, kid]));
    } finally {
      await w.entra.close();
    }
  });

  it("retireOld removes the old signer while its tokens still circulate (the March 2021 incident)", async () => {
    const w = await startWorld();
    try {
      const old = await appToken(w);
      await w.entra.rotateSigningKey({ retireOld: true });
      const set = (await get(`${w.entra.url}/${w.tenant.id}/discovery/v2.0/keys`)).json.keys;
      expect(set.map((k: Jwk) => k.kid)).not.toContain(claimsOf(old).header.kid);
      await expect(jwtVerify(old, createLocalJWKSet({ keys: set }))).rejects.toThrow();
      await expect(jwtVerify(await appToken(w), createLocalJWKSet({ keys: set }))).resolves.toBeTruthy();
      const newKid = claimsOf(await appToken(w)).header.kid;
      const key = set.find((k: Jwk) => k.kid === newKid);
      expect(createPublicKey({ key, format: "jwk" }).asymmetricKeyType).toBe("rsa");
    } finally {
      await w.entra.close();
    }
  });
});
