/**
 * An app that starts while Entra ID is unreachable still verifies tokens:
 * the discovery document and keys another instance (or an earlier run) saw
 * are kept in the shared StateStore, for a bounded time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentity, type EntraProviderOptions, entraId, MemoryStateStore } from "../../../src/index.js";
import { createEntraEmulator, type EntraEmulator } from "../../../src/testing/index.js";

let entra: EntraEmulator;
let provider: (extra?: Partial<EntraProviderOptions>) => ReturnType<typeof entraId>;
let token: string;
let audience: string;

beforeAll(async () => {
  entra = await createEntraEmulator();
  const tenant = entra.addTenant();
  const api = entra.addApp({ tenantId: tenant.id, displayName: "api", accessTokenVersion: 2 });
  const daemon = entra.addApp({ tenantId: tenant.id, displayName: "daemon", secret: "daemon-secret" });
  entra.grantAppRoles(daemon.clientId, api.clientId, []);
  provider = (extra = {}) =>
    entraId({
      id: "entra",
      tenantId: tenant.id,
      clientId: daemon.clientId,
      clientSecret: "daemon-secret",
      authority: entra.url,
      v1IssuerBase: entra.v1IssuerBase,
      runtime: { timeoutMs: 1_000 },
      ...extra,
    } as EntraProviderOptions);
  token = (await provider().clientCredentials({ scope: `${api.identifierUri}/.default` })).accessToken;
  audience = api.clientId;
});
afterAll(() => entra.close());

describe("last-known-good discovery and keys in the StateStore", () => {
  it("a second instance starting during an outage verifies with what the first one saw", async () => {
    const state = new MemoryStateStore();
    const first = createIdentity({ providers: [provider()], state });
    await first.verifyAccessToken(token, { audience });
    entra.fault({ endpoint: "all", mode: "refused" });
    try {
      const second = createIdentity({ providers: [provider()], state });
      await expect(second.verifyAccessToken(token, { audience })).resolves.toMatchObject({
        provider: "entra",
      });
      // Without the shared store, a fresh instance has nothing to verify with.
      const alone = createIdentity({ providers: [provider()] });
      await expect(alone.verifyAccessToken(token, { audience })).rejects.toMatchObject({
        code: "provider_unavailable",
      });
    } finally {
      entra.clearFaults();
    }
  });

  it("what was saved is not used past its bound", async () => {
    let now = Date.now();
    const state = new MemoryStateStore({ now: () => now });
    const bounded = () =>
      provider({ lastKnownGoodKeysSeconds: 3600, runtime: { timeoutMs: 1_000, now: () => now } });
    await createIdentity({ providers: [bounded()], state, now: () => now }).verifyAccessToken(token, {
      audience,
    });
    entra.fault({ endpoint: "all", mode: "refused" });
    try {
      now += 30 * 60_000; // within the bound: the saved copy stands in
      const soon = createIdentity({ providers: [bounded()], state, now: () => now });
      await expect(soon.verifyAccessToken(token, { audience })).resolves.toMatchObject({ provider: "entra" });
      now += 2 * 3_600_000; // past it
      const later = createIdentity({ providers: [bounded()], state, now: () => now });
      await expect(later.verifyAccessToken(token, { audience })).rejects.toMatchObject({
        code: "provider_unavailable",
      });
    } finally {
      entra.clearFaults();
    }
  });
});
