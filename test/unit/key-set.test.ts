import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, jwtVerify, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { IdSwitchError } from "../../src/core/errors.js";
import { guardedFetch } from "../../src/core/http.js";
import { createRuntime } from "../../src/core/runtime.js";
import { type KeyRotation, KeySet } from "../../src/tokens/key-set.js";

const JWKS_URI = "https://idp.example.test/keys";
const HOUR = 3_600_000;

interface Signer {
  readonly jwk: JWK;
  /** Signs with this key; `kid` overrides the header (a forged key id). */
  sign(kid?: string): Promise<string>;
}

/** A signing key; without `kid`, one published and used without a key id. */
async function signer(kid?: string, alg = "RS256"): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), alg, use: "sig", ...(kid ? { kid } : {}) };
  return {
    jwk,
    sign: (headerKid = kid) =>
      new SignJWT({ sub: "s" })
        .setProtectedHeader({ alg, ...(headerKid ? { kid: headerKid } : {}) })
        .setExpirationTime("1h")
        .sign(privateKey),
  };
}

/** A key endpoint whose answer a test changes, counting requests. */
function keyEndpoint() {
  const endpoint = {
    keys: [] as JWK[],
    down: false,
    body: undefined as string | undefined,
    requests: 0,
    clock: Date.now(),
    async fetch(): Promise<Response> {
      endpoint.requests += 1;
      await new Promise((resolve) => setTimeout(resolve, 5)); // let concurrent callers pile up
      if (endpoint.down) throw new TypeError("fetch failed: ECONNREFUSED");
      return new Response(endpoint.body ?? JSON.stringify({ keys: endpoint.keys }), {
        headers: { "content-type": "application/json" },
      });
    },
  };
  return endpoint;
}

function keySetFor(
  endpoint: ReturnType<typeof keyEndpoint>,
  extra: Partial<ConstructorParameters<typeof KeySet>[1]> = {},
) {
  const runtime = createRuntime({ fetch: () => endpoint.fetch(), now: () => endpoint.clock });
  return new KeySet(JWKS_URI, {
    provider: "idp",
    fetch: guardedFetch(runtime, "idp"),
    now: runtime.now,
    ...extra,
  });
}

describe("KeySet", () => {
  let one: Signer;
  let two: Signer;
  beforeAll(async () => {
    [one, two] = await Promise.all([signer("one"), signer("two")]);
  });

  it("uses fresh keys without asking again", async () => {
    const endpoint = keyEndpoint();
    endpoint.keys = [one.jwk];
    const keys = keySetFor(endpoint);
    for (let i = 0; i < 5; i++) await jwtVerify(await one.sign(), keys.getKey);
    expect(endpoint.requests).toBe(1);
  });

  it("keeps verifying with last-known-good keys while the provider is down, within the bound", async () => {
    const endpoint = keyEndpoint();
    endpoint.keys = [one.jwk];
    const stale: number[] = [];
    const keys = keySetFor(endpoint, { onStale: (age) => stale.push(age) });
    await jwtVerify(await one.sign(), keys.getKey);
    endpoint.down = true;
    endpoint.clock += 23 * HOUR;
    await expect(jwtVerify(await one.sign(), keys.getKey)).resolves.toBeDefined();
    expect(stale).toEqual([23 * HOUR]);
    endpoint.clock += 2 * HOUR; // 25 h: past Microsoft's 24 h
    const error = await jwtVerify(await one.sign(), keys.getKey).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdSwitchError);
    expect((error as IdSwitchError).code).toBe("provider_unavailable");
  });

  it("keeps the old keys when the provider publishes something that is not a key set", async () => {
    const endpoint = keyEndpoint();
    endpoint.keys = [one.jwk];
    const keys = keySetFor(endpoint);
    await keys.reload();
    endpoint.body = '{"keys": [';
    await expect(keys.reload()).rejects.toMatchObject({ code: "provider_unavailable", reason: "jwks" });
    endpoint.body = '{"keys": []}';
    await expect(keys.reload()).rejects.toMatchObject({ code: "provider_unavailable" });
    await expect(jwtVerify(await one.sign(), keys.getKey)).resolves.toBeDefined();
  });

  it("fetches once for a thousand concurrent verifications that meet a rotated key", async () => {
    const endpoint = keyEndpoint();
    endpoint.keys = [one.jwk];
    const rotations: KeyRotation[] = [];
    const keys = keySetFor(endpoint, { cooldownMs: 0, onRotation: (r) => rotations.push(r) });
    await keys.reload();
    endpoint.keys = [two.jwk];
    const token = await two.sign();
    const results = await Promise.all(Array.from({ length: 1000 }, () => jwtVerify(token, keys.getKey)));
    expect(results).toHaveLength(1000);
    expect(endpoint.requests).toBe(2);
    expect(rotations).toEqual([
      {
        provider: "idp",
        added: ["two"],
        removed: ["one"],
        addedThumbprints: [await calculateJwkThumbprint(two.jwk)],
        removedThumbprints: [await calculateJwkThumbprint(one.jwk)],
      },
    ]);
  });

  it("reports new key material under the same kid, and among keys without kid, as a rotation", async () => {
    const endpoint = keyEndpoint();
    const [sameKid, noKid, otherNoKid] = await Promise.all([signer("one"), signer(), signer()]);
    const rotations: KeyRotation[] = [];
    const keys = keySetFor(endpoint, { onRotation: (r) => rotations.push(r) });
    endpoint.keys = [one.jwk, noKid.jwk];
    await keys.reload();
    endpoint.keys = [sameKid.jwk, noKid.jwk];
    await keys.reload();
    endpoint.keys = [sameKid.jwk, otherNoKid.jwk];
    await keys.reload();
    endpoint.keys = [otherNoKid.jwk, sameKid.jwk]; // the same keys in another order: no rotation
    await keys.reload();
    expect(rotations).toEqual([
      {
        provider: "idp",
        added: ["one"],
        removed: ["one"],
        addedThumbprints: [await calculateJwkThumbprint(sameKid.jwk)],
        removedThumbprints: [await calculateJwkThumbprint(one.jwk)],
      },
      {
        provider: "idp",
        added: [],
        removed: [],
        addedThumbprints: [await calculateJwkThumbprint(otherNoKid.jwk)],
        removedThumbprints: [await calculateJwkThumbprint(noKid.jwk)],
      },
    ]);
    expect(keys.thumbprints()).toEqual(
      new Set(await Promise.all([sameKid.jwk, otherNoKid.jwk].map((k) => calculateJwkThumbprint(k)))),
    );
  });

  it("names the published key that verified a token by its RFC 7638 thumbprint", async () => {
    const endpoint = keyEndpoint();
    // One kid for two keys of different types: jose tells them apart by the token's alg.
    const [rsa, ec] = await Promise.all([signer("shared"), signer("shared", "ES256")]);
    endpoint.keys = [one.jwk, two.jwk, rsa.jwk, ec.jwk];
    const keys = keySetFor(endpoint);
    for (const key of [one, two, rsa, ec]) {
      const resolution = keys.resolution();
      expect(resolution.thumbprint).toBeUndefined();
      await jwtVerify(await key.sign(), resolution.getKey);
      expect(resolution.thumbprint).toBe(await calculateJwkThumbprint(key.jwk));
    }
  });

  it("lets a flood of made-up kids cause at most one fetch per cooldown", async () => {
    const endpoint = keyEndpoint();
    endpoint.keys = [one.jwk];
    const keys = keySetFor(endpoint, { cooldownMs: 30_000 });
    await keys.reload();
    endpoint.clock += 31_000;
    // One after another, so single-flight alone cannot merge them: only the cooldown does.
    const forged: unknown[] = [];
    for (let i = 0; i < 50; i++) {
      forged.push(await jwtVerify(await two.sign(`forged-${i}`), keys.getKey).catch((e: unknown) => e));
    }
    expect(forged.every((e) => e instanceof Error)).toBe(true);
    expect(endpoint.requests).toBe(2);
  });

  it("finds the published key with members jose ignores (Entra's issuer)", async () => {
    const endpoint = keyEndpoint();
    endpoint.keys = [{ ...one.jwk, issuer: "https://login.example/tenant/v2.0" } as JWK];
    const keys = keySetFor(endpoint);
    await keys.reload();
    expect(keys.find("one")?.issuer).toBe("https://login.example/tenant/v2.0");
    expect(keys.find("nope")).toBeUndefined();
  });
});
