/**
 * SECURITY.md #16 and #19: making the verifier (or, through it, the
 * providers) do unbounded work — huge tokens, deep JSON, floods of made-up
 * `kid`s, a key-set endpoint that never answers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdSwitchError } from "../../src/index.js";
import { b64, decodePart, partsOf, reshape } from "../support/attacker.js";
import { expectNoRequests, jwksFetches, refusal, type SecurityWorld, securityWorld } from "./world.js";

let world: SecurityWorld;
let entraToken: string;
let keycloakToken: string;
beforeAll(async () => {
  world = await securityWorld();
  [entraToken, keycloakToken] = await Promise.all([world.entraToken(), world.keycloakToken()]);
});
afterAll(() => world.close());

const MAX_TOKEN_LENGTH = 16 * 1024;
const claimsOf = (token: string) => decodePart(partsOf(token)[1]);

describe("A2#16 oversized tokens and JSON bombs", () => {
  it("A2#16 a 1 MB token, and one a byte over the 16 KiB cap, are refused as too large before any request", async () => {
    const stage = world.stage();
    const [h, , s] = partsOf(entraToken);
    const padded = (length: number) => {
      const claims = { ...claimsOf(entraToken), pad: "" };
      const bare = `${h}.${b64(claims)}.${s}`.length;
      // base64url grows 4/3: pad the claims until the token has exactly `length` characters.
      let pad = Math.floor(((length - bare) * 3) / 4);
      let token = "";
      do {
        token = `${h}.${b64({ ...claims, pad: "x".repeat(pad) })}.${s}`;
        pad += 1;
      } while (token.length < length);
      return token;
    };
    for (const token of [
      padded(1024 * 1024),
      padded(MAX_TOKEN_LENGTH + 1),
      "a".repeat(MAX_TOKEN_LENGTH + 1),
    ]) {
      expect(token.length).toBeGreaterThan(MAX_TOKEN_LENGTH);
      await refusal(stage.identity.verifyAccessToken(token, { audience: world.audience }), "too_large");
    }
    expectNoRequests(stage);
  });

  it("A2#16 a 100 000-entry aud array is refused as too large before any request", async () => {
    const stage = world.stage();
    const aud = Array.from({ length: 100_000 }, (_, i) => `a${i}`);
    const token = reshape(keycloakToken, { payload: (p) => ({ ...p, aud }) });
    await refusal(stage.identity.verifyAccessToken(token, { audience: world.audience }), "too_large");
    expectNoRequests(stage);
  });

  it("A2#16 deeply nested JSON (10 000 levels, and 5 000 that fit under the cap) is refused before any request", async () => {
    const stage = world.stage();
    const claims = JSON.stringify(claimsOf(keycloakToken)).slice(1, -1);
    const [h, , s] = partsOf(keycloakToken);
    for (const depth of [10_000, 5_000, 33]) {
      const bomb = `{${claims},"x":${"[".repeat(depth)}${"]".repeat(depth)}}`;
      const token = `${h}.${b64(bomb)}.${s}`;
      await refusal(
        stage.identity.verifyAccessToken(token, { audience: world.audience }),
        token.length > MAX_TOKEN_LENGTH ? "too_large" : "malformed",
      );
      if (depth === 5_000) expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
    }
    expectNoRequests(stage);
  });
});

describe("A2#19 JWKS DoS via unknown-kid floods", () => {
  it("A2#19 10 000 tokens per issuer with random kids cost one key-set fetch per issuer per cooldown window", async () => {
    let clock = Date.now();
    const now = () => clock;
    const stage = world.stage({ entra: { runtime: { now } }, eu: { runtime: { now } } });
    const flood = (token: string) =>
      Array.from({ length: 10_000 }, () =>
        reshape(token, { header: (hd) => ({ ...hd, kid: crypto.randomUUID() }) }),
      );
    const verifyAll = async () => {
      const tokens = [...flood(entraToken), ...flood(keycloakToken)];
      const started = performance.now();
      const outcomes = await Promise.allSettled(
        tokens.map((t) => stage.identity.verifyAccessToken(t, { audience: world.audience })),
      );
      const reasons = new Set(
        outcomes.map((o) =>
          o.status === "rejected" && o.reason instanceof IdSwitchError ? o.reason.reason : "?",
        ),
      );
      expect(reasons).toEqual(new Set(["unknown_key"]));
      return performance.now() - started;
    };

    const firstMs = await verifyAll(); // cold: the first key-set load, and no refetch within the cooldown
    expect(jwksFetches(stage)).toEqual({ entra: 1, eu: 1 });
    clock += 10_000; // still inside the 30 s cooldown
    await verifyAll();
    expect(jwksFetches(stage)).toEqual({ entra: 1, eu: 1 });
    clock += 21_000; // the cooldown has passed: one refetch each, however many tokens ask
    await verifyAll();
    expect(jwksFetches(stage)).toEqual({ entra: 2, eu: 2 });
    // Bounded work: 20 000 refusals take seconds at most, not a request each.
    expect(firstMs).toBeLessThan(30_000);
    // Genuine tokens still verify.
    await expect(
      stage.identity.verifyAccessToken(entraToken, { audience: world.audience }),
    ).resolves.toMatchObject({
      provider: "entra",
    });
  });

  it("A2#19 a key-set endpoint that hangs gets one request for 500 concurrent verifications, which time out", async () => {
    const stage = world.stage({ entra: { runtime: { timeoutMs: 1_000 } } });
    const keysPath = (path: string) => path.includes("/keys");
    const before = world.entra.requests.filter((r) => keysPath(r.path)).length;
    world.entra.fault({ endpoint: "jwks", mode: "hang" });
    try {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 500 }, () =>
          stage.identity.verifyAccessToken(entraToken, { audience: world.audience }),
        ),
      );
      for (const outcome of outcomes) {
        expect(outcome.status).toBe("rejected");
        expect((outcome as PromiseRejectedResult).reason).toMatchObject({
          code: "provider_unavailable",
          provider: "entra",
        });
      }
    } finally {
      world.entra.clearFaults();
    }
    expect(world.entra.requests.filter((r) => keysPath(r.path)).length - before).toBe(1);
    expect(jwksFetches(stage).entra).toBe(1);
  });
});
