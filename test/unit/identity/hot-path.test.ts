/** The shared StateStore stays off the verification hot path: zero store round trips once keys are cached. */
import { describe, expect, it } from "vitest";
import { createIdentity, keycloak, MemoryStateStore } from "../../../src/index.js";
import { createFakeIssuer } from "../../support/fake-issuer.js";

/** A StateStore that counts every call, as a networked one would count round trips. */
class CountingStore extends MemoryStateStore {
  calls = 0;
  override async get<T extends Parameters<MemoryStateStore["set"]>[1]>(key: string): Promise<T | undefined> {
    this.calls += 1;
    return super.get<T>(key);
  }
  override async set(...args: Parameters<MemoryStateStore["set"]>): Promise<void> {
    this.calls += 1;
    return super.set(...args);
  }
}

describe("verification and the StateStore", () => {
  it("makes no store round trip per verification once the keys are cached", async () => {
    const issuer = await createFakeIssuer();
    const state = new CountingStore();
    const identity = createIdentity({
      providers: [
        keycloak({ id: "eu", issuer: issuer.issuer, clientId: "app", runtime: { fetch: issuer.fetch } }),
      ],
      state,
    });
    const now = Math.floor(Date.now() / 1000);
    const tokens = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        issuer.sign({ sub: `user-${i}`, aud: "api", typ: "Bearer", exp: now + 300, iat: now }),
      ),
    );
    await identity.verifyAccessToken(tokens[0] as string, { audience: "api" }); // warm: discovery, keys (saved)
    const warm = state.calls;
    expect(warm).toBeGreaterThan(0); // the last-known-good copies were written
    for (const token of tokens) await identity.verifyAccessToken(token, { audience: "api" });
    expect(state.calls).toBe(warm);
  });
});
