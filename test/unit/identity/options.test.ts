import { describe, expect, it } from "vitest";
import { createIdentity, IdSwitchError, keycloak } from "../../../src/index.js";

const eu = () => keycloak({ id: "eu", issuer: "https://auth.example.eu/realms/acme", clientId: "app" });
/** The same Keycloak with its admin service account: it can be asked about a person (routing.authority). */
const askable = () =>
  keycloak({
    id: "eu",
    issuer: "https://auth.example.eu/realms/acme",
    clientId: "app",
    admin: { clientId: "idswitch-admin", clientSecret: "s" },
  });
const partner = () =>
  keycloak({ id: "partner", issuer: "https://auth.partner.example/realms/p", clientId: "app" });

function configError(input: unknown): IdSwitchError {
  try {
    createIdentity(input as Parameters<typeof createIdentity>[0]);
  } catch (err) {
    if (err instanceof IdSwitchError) return err;
    throw err;
  }
  throw new Error("createIdentity accepted the configuration");
}

describe("createIdentity configuration", () => {
  it("names every problem with its path", () => {
    const err = configError({
      providers: [eu(), { id: "fake" }],
      routing: { order: ["eu", "nope"], onSuspension: "maybe" },
      linking: { claim: { name: "entra_id", provider: "entra", from: ["eu"] } },
      tokenCache: { maxEntries: -1 },
      extra: true,
    });
    expect(err.code).toBe("config_invalid");
    expect(err.issues?.map((i) => i.path).sort()).toEqual(
      ["extra", "providers[1]", "routing.onSuspension", "tokenCache.maxEntries"].sort(),
    );
  });

  it("refuses an unknown provider in the routing order and in the link claim", () => {
    const err = configError({
      providers: [eu()],
      routing: { order: ["eu", "entra"] },
      linking: { claim: { name: "entra_id", provider: "entra", from: ["eu"] } },
    });
    expect(err.issues).toEqual([
      { path: "routing.order[1]", message: 'unknown provider "entra"' },
      { path: "linking.claim.provider", message: 'unknown provider "entra"' },
    ]);
  });

  it("a link claim names the providers it is trusted from: required, configured, and not the claim's own", () => {
    const missing = configError({
      providers: [eu()],
      linking: { claim: { name: "entra_id", provider: "eu" } },
    });
    expect(missing.issues?.map((i) => i.path)).toEqual(["linking.claim.from"]);
    const wrong = configError({
      providers: [eu()],
      linking: { claim: { name: "entra_id", provider: "eu", from: ["eu", "partner"] } },
    });
    expect(wrong.issues).toEqual([
      { path: "linking.claim.from[0]", message: '"eu" is the provider the claim names, not a spare' },
      { path: "linking.claim.from[1]", message: 'unknown provider "partner"' },
    ]);
  });

  it("routing.authority names configured providers, and needs a LinkStore that keeps its decisions", () => {
    const unknown = configError({ providers: [askable()], routing: { authority: ["eu", "hr"] } });
    expect(unknown.issues).toEqual([{ path: "routing.authority[1]", message: 'unknown provider "hr"' }]);
    const forgetful = { find() {}, findOrCreate() {}, link() {}, unlink() {}, linksOf() {}, list() {} };
    const store = configError({
      providers: [askable()],
      routing: { authority: ["eu"] },
      links: forgetful as never,
    });
    expect(store.issues?.map((i) => i.path)).toEqual(["links"]);
  });

  it("routing.authority refuses a Keycloak it could not ask: one without its admin option", () => {
    const mute = configError({ providers: [eu()], routing: { authority: ["eu"] } });
    expect(mute.issues).toEqual([
      {
        path: "routing.authority[0]",
        message: 'provider "eu" cannot be asked about an account\'s status without its "admin" option',
      },
    ]);
  });

  it("refuses two providers with one id, or one issuer (a token must pick exactly one verifier)", () => {
    const twin = keycloak({ id: "eu2", issuer: "https://auth.example.eu/realms/acme", clientId: "other" });
    expect(configError({ providers: [eu(), eu()] }).issues?.[0]).toEqual({
      path: "providers[1]",
      message: 'duplicate provider id "eu"',
    });
    expect(configError({ providers: [eu(), twin] }).issues?.[0]?.message).toMatch(/same issuer/);
  });

  it("routing.health: false, or an interval and a probe budget within bounds, each named by its path", () => {
    const err = configError({
      providers: [eu()],
      routing: { health: { intervalMs: 10, timeoutMs: 100_000 } },
    });
    expect(err.issues?.map((i) => i.path).sort()).toEqual([
      "routing.health.intervalMs",
      "routing.health.timeoutMs",
    ]);
    expect(configError({ providers: [eu()], routing: { health: true } }).issues?.[0]?.path).toBe(
      "routing.health",
    );
    expect(() => createIdentity({ providers: [eu()], routing: { health: false } }).close()).not.toThrow();
  });

  it("refuses no providers at all", () => {
    expect(configError({ providers: [] }).issues?.[0]?.path).toBe("providers");
  });

  it("accepts a minimal configuration and keeps routing order, unlisted providers last", () => {
    const identity = createIdentity({ providers: [eu(), partner()], routing: { order: ["partner"] } });
    expect(identity.providers.map((p) => p.id)).toEqual(["partner", "eu"]);
  });

  it("warns once that links kept in memory are lost on restart", () => {
    const identity = createIdentity({ providers: [eu()] });
    const warnings: string[] = [];
    identity.on("warning", (w) => warnings.push(w.reason));
    identity.on("warning", (w) => warnings.push(w.reason));
    expect(warnings).toEqual(["memory_link_store"]);
  });
});
