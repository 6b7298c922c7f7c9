/**
 * The connect budget end to end (issue 16): providers on `nodeFetch()` from `idswitch/node`, their
 * discovery, key and token requests made by openid-client and jose through it. A provider whose host never
 * answers a connect fails with `provider_unavailable`, reason `connect_timeout`, and the facade fails over
 * to the spare. No timed assertions: `timeoutMs` is longer than this file's test timeout, so only the
 * connect budget can end the call in time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentity, IdSwitchError, keycloak } from "../../../src/index.js";
import { nodeFetch } from "../../../src/node/index.js";
import { createKeycloakEmulator, type KeycloakEmulator } from "../../../src/testing/index.js";
import { type HungConnect, hungConnectPort } from "../../support/hung-connect.js";

const TEST_TIMEOUT_MS = 20_000;
// Past the test's own timeout: a call that waited for it would fail the test by timing out.
const runtime = { fetch: nodeFetch(), connectTimeoutMs: 200, timeoutMs: 60_000 };

let kc: KeycloakEmulator;
let hung: HungConnect;

beforeAll(async () => {
  [kc, hung] = await Promise.all([createKeycloakEmulator(), hungConnectPort()]);
  kc.addRealm({ name: "eu" });
  kc.addClient({ realm: "eu", clientId: "sync", secret: "eu-secret", serviceAccount: true });
});
afterAll(async () => {
  await Promise.all([kc?.close(), hung?.close()]);
});

const spare = () =>
  keycloak({ id: "eu", issuer: kc.issuer("eu"), clientId: "sync", clientSecret: "eu-secret", runtime });
const unreachable = () =>
  keycloak({
    id: "dark",
    issuer: `http://127.0.0.1:${hung.port}/realms/eu`,
    clientId: "sync",
    clientSecret: "eu-secret",
    runtime,
  });

async function errorOf(promise: Promise<unknown>): Promise<IdSwitchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof IdSwitchError)) throw new Error(`expected an IdSwitchError, got ${String(error)}`);
  return error;
}

describe("runtime.connectTimeoutMs with nodeFetch", () => {
  it("serves a healthy provider: discovery, token and key set through nodeFetch", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const eu = spare();
    const tokens = await eu.clientCredentials();
    expect(tokens.accessToken).toMatch(/^ey/);
    // Verified with the key set fetched through nodeFetch (jose's request), the audience Keycloak gives.
    const principal = await eu.verifyAccessToken(tokens.accessToken, { audience: "account" });
    expect(principal).toMatchObject({ provider: "eu", username: "service-account-sync" });
    expect(kc.requests.map((r) => r.path)).toEqual(
      expect.arrayContaining([
        "/realms/eu/.well-known/openid-configuration",
        "/realms/eu/protocol/openid-connect/token",
        "/realms/eu/protocol/openid-connect/certs",
      ]),
    );
  });

  it("a provider whose host never answers a connect is provider_unavailable, reason connect_timeout", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const err = await errorOf(unreachable().clientCredentials());
    expect(err).toMatchObject({
      code: "provider_unavailable",
      provider: "dark",
      reason: "connect_timeout",
      retryable: true,
    });
    expect(err.message).toBe(
      `dark: http://127.0.0.1:${hung.port}/realms/eu/.well-known/openid-configuration not reachable within 200 ms`,
    );
  });

  it("the facade fails over past it to the spare", { timeout: TEST_TIMEOUT_MS }, async () => {
    const identity = createIdentity({
      providers: [unreachable(), spare()],
      routing: { order: ["dark", "eu"], health: false },
    });
    try {
      const failovers: unknown[] = [];
      identity.on("failover", (e) => failovers.push(e));
      const tokens = await identity.clientCredentials();
      expect(tokens.accessToken).toMatch(/^ey/);
      expect(failovers).toHaveLength(1);
    } finally {
      await identity.close();
    }
  });
});
