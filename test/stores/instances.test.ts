import { appendFile, mkdir } from "node:fs/promises";
/**
 * Two application instances — two processes — sharing one PostgreSQL
 * LinkStore and one Redis StateStore, in front of the Entra emulator
 * (primary) and the Keycloak-lite emulator (spare). What one instance
 * learns about a provider changes the routing of the other.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentity, type Identity, type IdentityEvents } from "../../src/index.js";
import { redisStateStore } from "../../src/stores/redis/index.js";
import {
  createEntraEmulator,
  createKeycloakEmulator,
  type EntraEmulator,
  type KeycloakEmulator,
  signInWithPassword,
} from "../../src/testing/index.js";
import { closedLoopbackPort } from "../support/ports.js";
import { type InstanceConfig, instanceOptions, webOptions } from "./support/instance-options.js";
import { Instance } from "./support/instances.js";
import { POSTGRES_URL, Schemas } from "./support/postgres.js";
import { Prefixes, REDIS_URL } from "./support/redis.js";

const REDIRECT = "http://localhost:3000/callback/entra";
const schemas = new Schemas("idswitch_i");
const prefixes = new Prefixes("instances");
let entra: EntraEmulator;
let kc: KeycloakEmulator;
let base: Omit<InstanceConfig, "redis" | "postgres">;
let daemonId: string;

beforeAll(async () => {
  [entra, kc] = await Promise.all([createEntraEmulator(), createKeycloakEmulator()]);
  const tenant = entra.addTenant();
  const api = entra.addApp({ tenantId: tenant.id, displayName: "api", accessTokenVersion: 2 });
  const daemon = entra.addApp({ tenantId: tenant.id, displayName: "daemon", secret: "daemon-secret" });
  const web = entra.addApp({
    tenantId: tenant.id,
    displayName: "web",
    secret: "web-secret",
    redirectUris: [REDIRECT],
  });
  entra.grantAppRoles(daemon.clientId, api.clientId, []);
  daemonId = daemon.clientId;
  kc.addRealm({ name: "eu" });
  kc.addClient({ realm: "eu", clientId: "sync", secret: "sync-secret", serviceAccount: true });
  base = {
    entra: { authority: entra.url, v1IssuerBase: entra.v1IssuerBase, tenantId: tenant.id },
    daemon: { clientId: daemon.clientId, secret: "daemon-secret", scope: `${api.identifierUri}/.default` },
    web: { clientId: web.clientId, secret: "web-secret", redirectUri: REDIRECT },
    spare: { issuer: kc.issuer("eu"), clientId: "sync", secret: "sync-secret" },
  };
});
afterAll(async () => {
  await Promise.all([entra.close(), kc.close()]);
  await schemas.dropAll();
  await prefixes.cleanUp();
});

/** A fresh shared world: its own Redis prefix and PostgreSQL schema, this process's instance and another one. */
async function twoInstances(): Promise<{ here: Identity; there: Instance; config: InstanceConfig }> {
  const config: InstanceConfig = {
    ...base,
    redis: { url: REDIS_URL, prefix: prefixes.next() },
    postgres: { url: POSTGRES_URL, schema: schemas.next() },
  };
  const here = createIdentity(instanceOptions(config));
  await here.ready();
  await here.clientCredentials({ scope: { entra: config.daemon.scope } });
  return { here, there: await Instance.start(config), config };
}

/** Figures for the closing note, kept beside the JUnit report (reports/ is not committed). */
async function recordMeasurement(name: string, value: number): Promise<void> {
  await mkdir("reports", { recursive: true });
  await appendFile(
    "reports/measurements.jsonl",
    `${JSON.stringify({ name, value, at: new Date().toISOString() })}\n`,
  );
}

const tokenRequests = () => entra.requests.filter((r) => r.path.endsWith("/oauth2/v2.0/token")).length;

describe("two instances sharing PostgreSQL and Redis", () => {
  it("an outage seen by one instance opens the breaker of the other at once; its next call goes to the spare", async () => {
    const { here, there, config } = await twoInstances();
    const down: IdentityEvents["provider-down"][] = [];
    here.on("provider-down", (e) => down.push(e));
    entra.fault({ endpoint: "token", mode: "refused" });
    try {
      const openedAt = Date.now();
      const token = await here.clientCredentials({ scope: { entra: config.daemon.scope } });
      expect(token.accessToken).toBeTruthy(); // from the spare
      expect(down).toMatchObject([{ provider: "entra" }]);
      const seen = await there.next("provider-down");
      expect(seen).toMatchObject({ provider: "entra", reason: "reported_by_another_instance" });
      const propagationMs = seen.at - openedAt;
      expect(propagationMs).toBeLessThan(2_000);
      await recordMeasurement("breakerPropagationMs", propagationMs);
      const before = tokenRequests();
      there.send({ do: "token" });
      expect((await there.next("token")).issuer).toBe(kc.issuer("eu"));
      expect(tokenRequests()).toBe(before); // the other instance did not even try Entra ID
    } finally {
      entra.clearFaults();
      await Promise.all([there.stop(), here.close()]);
    }
  });

  it("the application's suspension seen by one instance is known to the other at its next call", async () => {
    const { here, there, config } = await twoInstances();
    entra.setAppState(daemonId, "secret_expired");
    try {
      await here.clientCredentials({ scope: { entra: config.daemon.scope } }); // Entra refuses: marked, spare answers
      there.send({ do: "health" });
      const health = await there.next("health");
      expect(health.suspended).toEqual({ entra: "client_suspended", eu: undefined });
      const before = tokenRequests();
      there.send({ do: "token" });
      expect((await there.next("token")).issuer).toBe(kc.issuer("eu"));
      expect(tokenRequests()).toBe(before);
    } finally {
      entra.setAppState(daemonId, "enabled");
      await Promise.all([there.stop(), here.close()]);
    }
  });

  it("50 concurrent callbacks with one login state, from two processes: exactly one signs in", async () => {
    const { here, there, config } = await twoInstances();
    const web = createIdentity(webOptions(config));
    try {
      const person = entra.addUser({
        tenantId: config.entra.tenantId,
        userPrincipalName: `p-${Date.now()}@x.example`,
        password: "pw-1",
      });
      const request = await web.beginLogin();
      const result = await signInWithPassword(
        request.url.href,
        { username: person.userPrincipalName, password: "pw-1" },
        {
          redirectUriPrefix: REDIRECT,
        },
      );
      if (!("callbackUrl" in result)) throw new Error(result.error);
      there.send({ do: "complete", callbackUrl: result.callbackUrl, state: request.state, count: 25 });
      const local = await Promise.allSettled(
        Array.from({ length: 25 }, () => web.completeLogin(result.callbackUrl, request.state)),
      );
      const remote = await there.next("completed");
      const localOk = local.filter((o) => o.status === "fulfilled").length;
      expect(localOk + remote.ok).toBe(1);
      const refusedHere = local.flatMap((o) =>
        o.status === "rejected" ? [(o.reason as { reason?: string }).reason] : [],
      );
      expect(new Set([...refusedHere, ...remote.refused])).toEqual(new Set(["state"]));
      const links = await instanceOptions(config).links.list();
      expect(links).toHaveLength(1);
    } finally {
      await Promise.all([there.stop(), here.close(), web.close()]);
    }
  });
});

describe("a shared store that is down", () => {
  it("the call is served from memory within the store's budget, a warning says so, and health says the state store is down", async () => {
    const port = await closedLoopbackPort();
    const identity = createIdentity({
      ...instanceOptions({
        ...base,
        redis: { url: `redis://127.0.0.1:${port}`, prefix: "x:" },
        postgres: { url: POSTGRES_URL, schema: schemas.next() },
      }),
      state: redisStateStore({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 300 }),
    });
    const warnings: string[] = [];
    identity.on("warning", (w) => warnings.push(w.reason));
    const tokens = await identity.clientCredentials({ scope: { entra: base.daemon.scope } });
    expect(tokens.accessToken.split(".")).toHaveLength(3);
    expect(warnings).toContain("state_store_unavailable");
    const health = await identity.health();
    expect(health.map((h) => h.stateStore)).toEqual(["unavailable", "unavailable"]);
    await identity.close();
  });
});
