/**
 * The shared store is not a new single point of failure: two app instances
 * share a private redis-server this test starts; people sign in through the
 * Keycloak-lite login form in a loop on both; the server is killed (SIGKILL)
 * mid-run and started again. Sign-ins go on while it is down, with no error;
 * each instance says so once (`warning`), and once it is back they share
 * state again (a drill started on one is seen by the other).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createIdentity, type Identity, type IdentityEvents, keycloak } from "../../src/index.js";
import { redisStateStore } from "../../src/stores/redis/index.js";
import { createKeycloakEmulator, type KeycloakEmulator } from "../../src/testing/index.js";
import { ensureDebianProgram } from "../support/debian-package.js";
import { signInThroughLoginForm } from "../support/keycloak-login.js";
import { closedLoopbackPort } from "../support/ports.js";

const REDIRECT = "http://localhost:3000/callback/eu";
let kc: KeycloakEmulator;
let port: number;
let redis: ChildProcess | undefined;

async function startRedis(): Promise<void> {
  const child = spawn(
    await ensureDebianProgram("redis-server", "redis-server"),
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  await new Promise<void>((resolve, reject) => {
    let seen = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes("Ready to accept connections")) resolve();
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`redis-server exited ${code}: ${seen.slice(-400)}`)));
  });
  redis = child;
}

async function killRedis(): Promise<void> {
  const child = redis;
  redis = undefined;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

beforeAll(async () => {
  port = await closedLoopbackPort();
  kc = await createKeycloakEmulator();
  kc.addRealm({ name: "eu" });
  kc.addClient({ realm: "eu", clientId: "web", secret: "s", redirectUris: [REDIRECT] });
  for (let i = 0; i < 20; i++)
    kc.addUser({
      realm: "eu",
      username: `person-${i}`,
      password: `pw-${i}`,
      email: `p${i}@example.eu`,
      emailVerified: true,
      firstName: "Person",
      lastName: `${i}`,
    });
  await startRedis();
});
afterAll(async () => {
  await killRedis();
  await kc?.close();
});

function instance(): { identity: Identity; warnings: IdentityEvents["warning"][] } {
  const identity = createIdentity({
    providers: [
      keycloak({
        id: "eu",
        issuer: kc.issuer("eu"),
        clientId: "web",
        clientSecret: "s",
        redirectUri: REDIRECT,
      }),
    ],
    routing: { health: false },
    state: redisStateStore({
      url: `redis://127.0.0.1:${port}`,
      prefix: "outage-test:",
      commandTimeoutMs: 5_000,
    }),
    stateTimeoutMs: 200,
  });
  const warnings: IdentityEvents["warning"][] = [];
  identity.on("warning", (w) => {
    if (w.reason.startsWith("state_store")) warnings.push(w);
  });
  return { identity, warnings };
}

async function signIn(identity: Identity, i: number): Promise<void> {
  const request = await identity.beginLogin();
  const result = await signInThroughLoginForm(
    request.url.href,
    { username: `person-${i % 20}`, password: `pw-${i % 20}` },
    { redirectUriPrefix: REDIRECT },
  );
  if (!("callbackUrl" in result)) throw new Error(`sign-in refused: ${JSON.stringify(result)}`);
  await identity.completeLogin(result.callbackUrl, request.state);
}

it("sign-ins go on while Redis is killed, and the instances share state again once it is back", async () => {
  const a = instance();
  const b = instance();
  const phase = { name: "before" as "before" | "down" | "after" };
  const done = { before: 0, down: 0, after: 0 };
  const errors: string[] = [];
  let running = true;
  const loop = async (identity: Identity, offset: number) => {
    for (let i = offset; running; i += 2) {
      const at = phase.name;
      try {
        await signIn(identity, i);
        done[at] += 1;
      } catch (err) {
        errors.push(`${at}: ${(err as Error).message}`);
      }
    }
  };
  const loops = Promise.all([loop(a.identity, 0), loop(b.identity, 1)]);
  try {
    await expect.poll(() => done.before, { timeout: 10_000 }).toBeGreaterThan(10);
    phase.name = "down";
    await killRedis();
    await expect.poll(() => done.down, { timeout: 15_000 }).toBeGreaterThan(10);
    // Each instance tells it once, at its first call that met the dead store.
    await expect
      .poll(() => [a.warnings.map((w) => w.reason), b.warnings.map((w) => w.reason)], { timeout: 10_000 })
      .toEqual([["state_store_unavailable"], ["state_store_unavailable"]]);

    await startRedis();
    phase.name = "after";
    await expect.poll(() => done.after, { timeout: 30_000 }).toBeGreaterThan(10);
    // Each instance found the store again (after its cool-down, on its own next call).
    await expect
      .poll(() => [a.warnings.at(-1)?.reason, b.warnings.at(-1)?.reason], { timeout: 30_000 })
      .toEqual(["state_store_recovered", "state_store_recovered"]);
  } finally {
    running = false;
    await loops;
  }
  expect(errors).toEqual([]);

  // Shared again: what one instance writes, the other reads.
  await a.identity.drill({ provider: "eu", until: Date.now() + 60_000, cohort: { percent: 50 } });
  expect(await b.identity.drills()).toMatchObject([{ provider: "eu", percent: 50 }]);
  await a.identity.endDrill("eu");
  await Promise.all([a.identity.close(), b.identity.close()]);
});
