/**
 * Issue 4, "Concurrency": right after both providers rotate their signing
 * keys, a burst of verifications of tokens signed with the new keys makes
 * exactly one key-set request per issuer (single-flight), not one per
 * token — the thundering herd a rotation would otherwise cause.
 *
 * Keycloak's rotation happens in a throw-away realm (a new generated RSA key
 * with a higher priority, through the admin API), so the shared `idswitch`
 * realm other suites rely on keeps its keys.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentity } from "../../src/index.js";
import { decodePart, partsOf, recordingFetch } from "../support/attacker.js";
import { createLabRealm, type LabRealm } from "../support/lab-realms.js";
import { refusal, type SecurityWorld, securityWorld } from "./world.js";

let world: SecurityWorld;
let realm: LabRealm;
beforeAll(async () => {
  [world, realm] = await Promise.all([securityWorld(), createLabRealm({ prefix: "rotation" })]);
});
afterAll(async () => {
  await realm?.delete();
  await world?.close();
});

const kidOf = (token: string) => String(decodePart(partsOf(token)[0]).kid);
const BURST = 1_000;

describe("concurrency after a key rotation", () => {
  it(`${BURST} concurrent verifications per issuer right after both providers rotate make exactly one key-set fetch per issuer`, async () => {
    const entraFetch = recordingFetch();
    const euFetch = recordingFetch();
    const identity = createIdentity({
      providers: [
        world.entraProvider({ keySetCooldownSeconds: 0, runtime: { fetch: entraFetch.fetch } }),
        realm.provider({ keySetCooldownSeconds: 0, runtime: { fetch: euFetch.fetch } }),
      ],
      routing: { order: ["entra", "eu"] },
    });
    const audience = { entra: world.audience.entra, eu: "api" };
    const fetches = () => ({ entra: entraFetch.count("/keys"), eu: euFetch.count("/certs") });

    // Warm: each provider has discovered and loaded its keys once.
    const [oldEntra, oldKeycloak] = await Promise.all([world.entraToken(), realm.token()]);
    await identity.verifyAccessToken(oldEntra, { audience });
    await identity.verifyAccessToken(oldKeycloak, { audience });
    expect(fetches()).toEqual({ entra: 1, eu: 1 });

    // Both rotate; new tokens carry kids the verifier has never seen.
    await Promise.all([world.entra.rotateSigningKey({ retireOld: true }), realm.rotateKey()]);
    const [newEntra, newKeycloak] = await Promise.all([world.entraToken(), realm.token()]);
    expect(kidOf(newEntra)).not.toBe(kidOf(oldEntra));
    expect(kidOf(newKeycloak)).not.toBe(kidOf(oldKeycloak));
    const emulatorKeyRequests = () => world.entra.requests.filter((r) => r.path.includes("/keys")).length;
    const emulatorBefore = emulatorKeyRequests();

    const burst = Array.from({ length: BURST }, () => [
      identity.verifyAccessToken(newEntra, { audience }),
      identity.verifyAccessToken(newKeycloak, { audience }),
    ]).flat();
    const principals = await Promise.all(burst);

    expect(principals.filter((p) => p.provider === "entra")).toHaveLength(BURST);
    expect(principals.filter((p) => p.provider === "eu" && p.tenant === realm.name)).toHaveLength(BURST);
    // Exactly one more key-set request per issuer: 2 in all for each, the warm-up's and the rotation's.
    expect(fetches()).toEqual({ entra: 2, eu: 2 });
    expect(emulatorKeyRequests() - emulatorBefore).toBe(1);
  });

  it("a token cached before its signing key was retired is refused as soon as the rotation is seen", async () => {
    const entraFetch = recordingFetch();
    const identity = createIdentity({
      providers: [world.entraProvider({ keySetCooldownSeconds: 0, runtime: { fetch: entraFetch.fetch } })],
      tokenCache: { maxEntries: 100 },
    });
    const audience = { entra: world.audience.entra };
    const old = await world.entraToken();
    const cached = await identity.verifyAccessToken(old, { audience });
    expect(await identity.verifyAccessToken(old, { audience })).toBe(cached); // served from the cache
    await world.entra.rotateSigningKey({ retireOld: true });
    // A token with the new kid makes the provider refetch and notice the removed key…
    await identity.verifyAccessToken(await world.entraToken(), { audience });
    // …which flushes the cache: the old token is verified again, and its key is gone.
    await refusal(identity.verifyAccessToken(old, { audience }), "unknown_key", "entra");
  });
});
