/**
 * SECURITY.md #8, #9, #15, #17: what the claims of a correctly signed
 * token may still get wrong. Real Entra and Keycloak tokens where the
 * providers can issue them; a lab issuer (keys the test owns, injected fetch
 * and clock) for the claims no real provider would sign. The lab issuer
 * sits behind the same createIdentity as the two providers.
 */
import { base64url } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { oidc } from "../../src/index.js";
import {
  type AttackerKey,
  attackerKey,
  type LabIssuer,
  labIssuer,
  partsOf,
  reshape,
  signRaw,
} from "../support/attacker.js";
import { refusal, type SecurityWorld, type Stage, securityWorld } from "./world.js";

const T = 1_900_000_000; // a fixed "now" in seconds for the lab clock
const TOLERANCE = 30; // the providers' default clockToleranceSeconds

let world: SecurityWorld;
let key: AttackerKey;
let lab: LabIssuer;
let clock = T * 1000;
beforeAll(async () => {
  world = await securityWorld();
  key = await attackerKey("ES256", { kid: "lab" });
  lab = labIssuer("https://lab.example.test", [key.publicJwk]);
});
afterAll(() => world.close());

function labStage(extra: Parameters<SecurityWorld["stage"]>[0] = {}): Stage {
  return world.stage({
    ...extra,
    more: [
      oidc({ id: "lab", issuer: lab.issuer, clientId: "c", runtime: { fetch: lab.fetch, now: () => clock } }),
    ],
  });
}

const audience = () => ({ ...world.audience, lab: "api" });
const base = () => ({ iss: lab.issuer, sub: "s", aud: "api", azp: "c", exp: T + 300, iat: T - 10 });
const signed = (payload: object, header: object = {}) =>
  signRaw(key, JSON.stringify({ alg: "ES256", kid: "lab", typ: "JWT", ...header }), JSON.stringify(payload));

describe("A2#8 time claims (injected clock)", () => {
  it("A2#8 exp boundary grid: exp ≤ now − tolerance is expired, exp > now − tolerance is accepted", async () => {
    const { identity } = labStage();
    clock = T * 1000;
    for (const exp of [T - TOLERANCE - 1, T - TOLERANCE, -1, 0]) {
      await refusal(
        identity.verifyAccessToken(signed({ ...base(), exp }), { audience: audience() }),
        "expired",
        "lab",
      );
    }
    for (const exp of [T - TOLERANCE + 1, T, T + 1]) {
      await expect(
        identity.verifyAccessToken(signed({ ...base(), exp }), { audience: audience() }),
      ).resolves.toMatchObject({
        subject: "s",
      });
    }
  });

  it("A2#8 nbf boundary grid: nbf = now + tolerance is accepted, now + tolerance + 1 is not yet valid", async () => {
    const { identity } = labStage();
    clock = T * 1000;
    await expect(
      identity.verifyAccessToken(signed({ ...base(), nbf: T + TOLERANCE }), { audience: audience() }),
    ).resolves.toMatchObject({ subject: "s" });
    await refusal(
      identity.verifyAccessToken(signed({ ...base(), nbf: T + TOLERANCE + 1 }), { audience: audience() }),
      "not_yet_valid",
      "lab",
    );
  });

  it("A2#8 missing exp is refused (exp is required)", async () => {
    const { identity } = labStage();
    const { exp: _exp, ...withoutExp } = base();
    await refusal(identity.verifyAccessToken(signed(withoutExp), { audience: audience() }), "claims", "lab");
  });

  it("A2#8 non-numeric time claims (string exp, string nbf, object iat) are refused", async () => {
    const { identity } = labStage();
    for (const claims of [
      { exp: String(T + 300) },
      { nbf: String(T - 10) },
      { iat: { t: T } },
      { exp: null },
    ]) {
      await refusal(
        identity.verifyAccessToken(signed({ ...base(), ...claims }), { audience: audience() }),
        "claims",
        "lab",
      );
    }
  });

  it("A2#8 a non-finite exp (JSON 1e309 parses to Infinity: a token that never expires) is refused", async () => {
    const { identity } = labStage();
    const payload = JSON.stringify(base()).replace(`"exp":${T + 300}`, '"exp":1e309');
    expect(JSON.parse(payload).exp).toBe(Number.POSITIVE_INFINITY);
    const token = signRaw(key, JSON.stringify({ alg: "ES256", kid: "lab", typ: "JWT" }), payload);
    await refusal(identity.verifyAccessToken(token, { audience: audience() }), "claims", "lab");
  });

  it("A2#8 iat in the future beyond the tolerance is refused; within it, accepted", async () => {
    const { identity } = labStage();
    clock = T * 1000;
    await refusal(
      identity.verifyAccessToken(signed({ ...base(), iat: T + 3600 }), { audience: audience() }),
      "not_yet_valid",
      "lab",
    );
    await refusal(
      identity.verifyAccessToken(signed({ ...base(), iat: T + TOLERANCE + 1 }), { audience: audience() }),
      "not_yet_valid",
      "lab",
    );
    await expect(
      identity.verifyAccessToken(signed({ ...base(), iat: T + TOLERANCE }), { audience: audience() }),
    ).resolves.toMatchObject({ subject: "s" });
  });

  it("A2#8 real Entra and Keycloak tokens are expired once the clock passes exp + tolerance", async () => {
    const [entraToken, keycloakToken] = await Promise.all([world.entraToken(), world.keycloakToken()]);
    const expOf = (t: string) =>
      JSON.parse(new TextDecoder().decode(base64url.decode(partsOf(t)[1]))).exp as number;
    for (const [provider, token] of [
      ["entra", entraToken],
      ["eu", keycloakToken],
    ] as const) {
      const at = (seconds: number) => () => seconds * 1000;
      const exp = expOf(token);
      const late = world.stage({
        entra: { runtime: { now: at(exp + TOLERANCE) } },
        eu: { runtime: { now: at(exp + TOLERANCE) } },
      });
      await refusal(
        late.identity.verifyAccessToken(token, { audience: world.audience }),
        "expired",
        provider,
      );
      const inTime = world.stage({
        entra: { runtime: { now: at(exp + TOLERANCE - 1) } },
        eu: { runtime: { now: at(exp + TOLERANCE - 1) } },
      });
      await expect(
        inTime.identity.verifyAccessToken(token, { audience: world.audience }),
      ).resolves.toMatchObject({
        provider,
      });
    }
  });
});

describe("A2#9 audience", () => {
  it("A2#9 aud [ours, 'evil'] without azp is refused; with azp, and a one-element array, accepted", async () => {
    const { identity } = labStage();
    clock = T * 1000;
    const { azp: _azp, ...noAzp } = base();
    await refusal(
      identity.verifyAccessToken(signed({ ...noAzp, aud: ["api", "evil"] }), { audience: audience() }),
      "audience",
      "lab",
    );
    await expect(
      identity.verifyAccessToken(signed({ ...base(), aud: ["api", "evil"] }), { audience: audience() }),
    ).resolves.toMatchObject({ subject: "s" });
    await expect(
      identity.verifyAccessToken(signed({ ...noAzp, aud: ["api"] }), { audience: audience() }),
    ).resolves.toMatchObject({ subject: "s" });
  });

  it("A2#9 a missing, empty or foreign aud is refused", async () => {
    const { identity } = labStage();
    const { aud: _aud, ...noAud } = base();
    for (const claims of [
      noAud,
      { ...base(), aud: [] },
      { ...base(), aud: "" },
      { ...base(), aud: "evil" },
      { ...base(), aud: ["evil"] },
    ]) {
      await refusal(identity.verifyAccessToken(signed(claims), { audience: audience() }), "audience", "lab");
    }
  });

  it("A2#9 a genuine token of each provider presented to another API (another audience) is refused", async () => {
    const [entraToken, keycloakToken] = await Promise.all([world.entraToken(), world.keycloakToken()]);
    const { identity } = world.stage();
    const elsewhere = { entra: "00000000-0000-0000-0000-000000000001", eu: "billing" };
    await refusal(identity.verifyAccessToken(entraToken, { audience: elsewhere }), "audience", "entra");
    await refusal(identity.verifyAccessToken(keycloakToken, { audience: elsewhere }), "audience", "eu");
    // An audience map that names no audience for a provider accepts nothing from it.
    await refusal(
      identity.verifyAccessToken(keycloakToken, { audience: { entra: world.audience.entra } }),
      "audience",
      "eu",
    );
  });
});

describe("A2#15 malleable encodings and the verified-token cache", () => {
  it("A2#15 a cached token's header and payload with a corrupted signature are re-verified and refused", async () => {
    const [entraToken, keycloakToken] = await Promise.all([world.entraToken(), world.keycloakToken()]);
    const { identity } = world.stage({ extra: { tokenCache: { maxEntries: 100 } } });
    for (const [provider, token] of [
      ["entra", entraToken],
      ["eu", keycloakToken],
    ] as const) {
      const first = await identity.verifyAccessToken(token, { audience: world.audience });
      expect(await identity.verifyAccessToken(token, { audience: world.audience })).toBe(first); // a cache hit
      const s = partsOf(token)[2];
      const corrupted = reshape(token, {
        signature: `${s.slice(0, 20)}${s[20] === "A" ? "B" : "A"}${s.slice(21)}`,
      });
      await refusal(
        identity.verifyAccessToken(corrupted, { audience: world.audience }),
        "signature",
        provider,
      );
      // Three bytes short, spelled canonically (a non-canonical spelling is refused earlier, as malformed).
      const truncated = reshape(token, {
        signature: Buffer.from(s, "base64url").subarray(0, -3).toString("base64url"),
      });
      await refusal(
        identity.verifyAccessToken(truncated, { audience: world.audience }),
        "signature",
        provider,
      );
    }
  });

  it("A2#15 a token cached for one audience (or scope set) is never served from the cache for another", async () => {
    const keycloakToken = await world.keycloakToken();
    const { identity } = world.stage({ extra: { tokenCache: { maxEntries: 100 } } });
    await identity.verifyAccessToken(keycloakToken, { audience: world.audience });
    await refusal(
      identity.verifyAccessToken(keycloakToken, { audience: { ...world.audience, eu: "billing" } }),
      "audience",
      "eu",
    );
    await refusal(
      identity.verifyAccessToken(keycloakToken, { audience: world.audience, requiredScopes: ["admin"] }),
      "claims",
      "eu",
    );
  });

  it("A2#15 the malleated ECDSA twin (s → n − s) is a different string: it misses the cache and is verified on its own", async () => {
    const { identity } = labStage({ extra: { tokenCache: { maxEntries: 100 } } });
    clock = T * 1000;
    const token = signed(base());
    const first = await identity.verifyAccessToken(token, { audience: audience() });
    expect(await identity.verifyAccessToken(token, { audience: audience() })).toBe(first);
    const signature = Buffer.from(base64url.decode(partsOf(token)[2]));
    const n = BigInt("0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    const s = BigInt(`0x${signature.subarray(32).toString("hex")}`);
    const twinS = Buffer.from((n - s).toString(16).padStart(64, "0"), "hex");
    const twin = reshape(token, {
      signature: base64url.encode(Buffer.concat([signature.subarray(0, 32), twinS])),
    });
    expect(twin).not.toBe(token);
    const again = await identity.verifyAccessToken(twin, { audience: audience() });
    expect(again).not.toBe(first); // verified, not served from the cache
    expect(again).toEqual(first); // the same claims: a replay store must key on iss + jti, never on the string
  });
});

describe("A2#17 duplicate JSON keys and prototype keys", () => {
  const header = JSON.stringify({ alg: "ES256", kid: "lab", typ: "JWT" });
  const claims = () => JSON.stringify(base()).slice(1, -1); // the members without braces

  it("A2#17 duplicate claims (sub, iss, aud, exp), also through escapes and nesting, are refused before any request", async () => {
    const stage = labStage();
    const before = lab.requests.length;
    const payloads = [
      `{${claims()},"sub":"admin"}`,
      `{"iss":"https://evil.example",${claims()}}`,
      `{${claims()},"aud":"evil"}`,
      `{${claims()},"exp":${T + 10 ** 9}}`,
      `{${claims()},"\\u0073ub":"admin"}`,
      `{${claims()},"realm_access":{"roles":["user"],"roles":["admin"]}}`,
    ];
    for (const payload of payloads) {
      expect(() => JSON.parse(payload)).not.toThrow(); // JSON.parse would silently keep the last one
      await refusal(
        stage.identity.verifyAccessToken(signRaw(key, header, payload), { audience: audience() }),
        "malformed",
      );
    }
    expect(lab.requests.length).toBe(before);
  });

  it("A2#17 one member name in sibling objects, arrays of objects and escaped strings is not a duplicate", async () => {
    const { identity } = labStage();
    clock = T * 1000;
    const payload = `{${claims()},"resource_access":{"app":{"roles":["a"]},"api":{"roles":["b"]}},"x":[{"k":1},{"k":2}],"s":"\\"sub\\":1,{","t":"}],"}`;
    expect(JSON.parse(payload).x).toEqual([{ k: 1 }, { k: 2 }]);
    await expect(
      identity.verifyAccessToken(signRaw(key, header, payload), { audience: audience() }),
    ).resolves.toMatchObject({
      subject: "s",
    });
  });

  it("A2#17 a duplicate alg in the header ({alg:none, alg:ES256}) is refused", async () => {
    const stage = labStage();
    const duplicated = '{"alg":"none","kid":"lab","typ":"JWT","alg":"ES256"}';
    await refusal(
      stage.identity.verifyAccessToken(signRaw(key, duplicated, JSON.stringify(base())), {
        audience: audience(),
      }),
      "malformed",
    );
  });

  it("A2#17 __proto__ and constructor members in the header or claims are refused", async () => {
    const stage = labStage();
    const payloads = [
      `{${claims()},"__proto__":{"admin":true}}`,
      `{${claims()},"constructor":{"prototype":{"admin":true}}}`,
      `{${claims()},"realm_access":{"__proto__":{"roles":["admin"]}}}`,
    ];
    for (const payload of payloads) {
      await refusal(
        stage.identity.verifyAccessToken(signRaw(key, header, payload), { audience: audience() }),
        "malformed",
      );
    }
    const protoHeader = '{"alg":"ES256","kid":"lab","typ":"JWT","__proto__":{"alg":"none"}}';
    await refusal(
      stage.identity.verifyAccessToken(signRaw(key, protoHeader, JSON.stringify(base())), {
        audience: audience(),
      }),
      "malformed",
    );
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});
