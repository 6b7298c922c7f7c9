/**
 * The mirror under faults, against the real Keycloak: Graph throttling storms
 * (429 with and without Retry-After), a 410 delta resync, Keycloak answering
 * 503 for a while (through a proxy), and the process SIGKILLed mid-run at
 * several points — every time the run completes, or stops with a clear,
 * retryable error, and the next run converges with no duplicates.
 */
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mirror } from "../../../src/directory/index.js";
import { IdSwitchError, MemoryStateStore } from "../../../src/index.js";
import { keycloakUrl } from "../../support/keycloak-env.js";
import { FileStateStore } from "./file-state.js";
import { failingProxy } from "./proxy.js";
import {
  type Directory,
  generatedDirectory,
  mirrorRealm,
  realmUsers,
  sourceOf,
  type TestRealm,
  targetOf,
} from "./support.js";

const USERS = 120;
const GROUPS = 6;

async function expectConverged(dir: Directory, realm: TestRealm): Promise<void> {
  const users = await realmUsers(realm);
  expect(users).toHaveLength(USERS);
  expect(new Set(users.map((u) => u.key)).size).toBe(USERS);
  expect(new Set(users.map((u) => u.key))).toEqual(new Set(dir.users.map((u) => `${dir.tenantId}:${u.oid}`)));
}

describe("Graph throttling and resync", () => {
  let dir: Directory;
  let realm: TestRealm;
  const state = new MemoryStateStore();
  beforeAll(async () => {
    dir = await generatedDirectory(USERS, GROUPS);
    realm = await mirrorRealm();
  });
  afterAll(async () => {
    await realm?.delete();
    await dir?.entra.close();
  });
  const run = () => mirror({ source: sourceOf(dir), target: targetOf(realm), state, policy: "propagate" });

  it("a storm of 429s, with Retry-After and without, is waited out and the run completes", async () => {
    dir.entra.throttleGraph({ times: 3, retryAfterSeconds: 0.2 });
    const first = run().apply();
    await new Promise((r) => setTimeout(r, 400));
    dir.entra.throttleGraph({ times: 3, retryAfterSeconds: null });
    expect((await first).status).toBe("done");
    await expectConverged(dir, realm);
  });

  it("a storm longer than the retry budget stops with a retryable rate_limited error; the next run converges", async () => {
    dir.entra.setUserState(dir.users[0]?.oid ?? "", "disabled");
    dir.entra.throttleGraph({ times: 1000, retryAfterSeconds: null });
    const err = await run()
      .apply()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdSwitchError);
    expect(err).toMatchObject({ code: "provider_unavailable", reason: "rate_limited", retryable: true });
    dir.entra.throttleGraph(undefined);
    const result = await run().apply();
    expect(result.counts["disable-user"]).toBe(1);
    expect((await run().apply()).writes).toBe(0);
  });

  it("410 Gone on the delta link: a full resync that writes nothing new and duplicates no one", async () => {
    dir.entra.resetGraphDelta();
    const result = await run().apply();
    expect(result).toMatchObject({ status: "done", round: "full", sweep: "done", writes: 0 });
    await expectConverged(dir, realm);
  });

  it("people deleted at Entra while the delta link was lost are found by the full round's sweep", async () => {
    const gone = dir.users.slice(40, 43);
    for (const user of gone) dir.entra.setUserState(user.oid, "deleted");
    dir.entra.resetGraphDelta(); // the @removed entries are never read: only the sweep can tell
    const held = await mirror({
      source: sourceOf(dir),
      target: targetOf(realm),
      state,
      policy: "hold",
    }).plan();
    expect(held).toMatchObject({ round: "full", sweep: "done" });
    const keys = gone.map((u) => `${dir.tenantId}:${u.oid}`).sort();
    // Under hold nobody is disabled; the only writes are the gone people leaving their groups.
    expect(held.actions.length).toBeGreaterThan(0);
    for (const action of held.actions) {
      expect(action.kind).toBe("leave-group");
      expect(keys).toContain(action.key);
    }
    expect(
      held.divergences
        .filter((d) => d.reason === "removed-at-source")
        .map((d) => d.key)
        .sort(),
    ).toEqual(keys);
    const result = await run().apply();
    expect(result).toMatchObject({ status: "done", round: "full", sweep: "done" });
    expect(result.counts["disable-user"]).toBe(3);
    const disabled = (await realmUsers(realm)).filter((u) => !u.enabled).map((u) => u.key);
    expect(disabled.sort()).toEqual([...keys, `${dir.tenantId}:${dir.users[0]?.oid}`].sort());
    for (const user of gone) dir.entra.setUserState(user.oid, "active");
  });
});

describe("Keycloak answering 503 for a while", () => {
  let dir: Directory;
  let realm: TestRealm;
  let proxy: Awaited<ReturnType<typeof failingProxy>>;
  const state = new MemoryStateStore();
  beforeAll(async () => {
    dir = await generatedDirectory(USERS, GROUPS);
    realm = await mirrorRealm();
    proxy = await failingProxy(keycloakUrl());
  });
  afterAll(async () => {
    await proxy?.close();
    await realm?.delete();
    await dir?.entra.close();
  });
  const run = () =>
    mirror({
      source: sourceOf(dir),
      target: targetOf(realm, { url: proxy.url }),
      state,
      policy: "propagate",
    });

  it("a few failures are retried and the run completes", async () => {
    proxy.fail(3);
    expect((await run().apply()).status).toBe("done");
    expect(proxy.failed).toBe(3);
    await expectConverged(dir, realm);
  });

  it("a long outage stops the run with a clear, retryable error; the next run converges", async () => {
    for (const user of dir.users.slice(0, 5)) dir.entra.setUserState(user.oid, "disabled");
    proxy.fail(1000);
    const err = await run()
      .apply()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "provider_unavailable", retryable: true, reason: "server_error" });
    expect(String((err as Error).message)).toMatch(/HTTP 503.*run the mirror again to resume/);
    proxy.fail(0);
    const result = await run().apply();
    expect(result.counts["disable-user"]).toBe(5);
    await expectConverged(dir, realm);
  });
});

describe("killed mid-run (SIGKILL after N writes)", () => {
  let dir: Directory;
  let realm: TestRealm;
  let work: string;
  let runner: string;
  beforeAll(async () => {
    dir = await generatedDirectory(USERS, GROUPS);
    realm = await mirrorRealm();
    work = mkdtempSync(join(tmpdir(), "mirror-kill-"));
    runner = join(work, "runner.mjs");
    await build({
      entryPoints: [new URL("./runner.ts", import.meta.url).pathname],
      bundle: true,
      platform: "node",
      format: "esm",
      outfile: runner,
      logLevel: "silent",
    });
  });
  afterAll(async () => {
    await realm?.delete();
    await dir?.entra.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** Forks a run and kills it with SIGKILL once it reported `after` writes; resolves with the writes seen. */
  function killedAfter(after: number, statePath: string): Promise<number> {
    const config = {
      statePath,
      source: {
        tenantId: dir.tenantId,
        clientId: dir.clientId,
        clientSecret: "mirror-secret",
        authority: dir.entra.url,
        graphUrl: dir.entra.graphUrl,
      },
      target: {
        url: keycloakUrl(),
        realm: realm.name,
        clientId: "mirror",
        clientSecret: "mirror-secret",
        clients: ["app"],
      },
    };
    return new Promise((resolve, reject) => {
      const child = fork(runner, [JSON.stringify(config)], { stdio: "ignore" });
      let writes = 0;
      child.on("message", (m: { writes?: number; done?: number; failed?: string }) => {
        if (m.failed) reject(new Error(m.failed));
        if (m.done !== undefined) reject(new Error(`finished before the kill (${m.done} writes)`));
        if (m.writes !== undefined && m.writes >= after && writes < after) child.kill("SIGKILL");
        writes = Math.max(writes, m.writes ?? 0);
      });
      child.on("exit", (_code, signal) => (signal === "SIGKILL" ? resolve(writes) : undefined));
    });
  }

  it("killed during setup, the users round and the groups phase: each rerun converges, no duplicates", async () => {
    const statePath = join(work, "state.json");
    // 1: right after the realm setup; 40: inside the users round; 130: in the groups phase.
    for (const after of [1, 40, 130]) {
      const seen = await killedAfter(after, statePath);
      expect(seen).toBeGreaterThanOrEqual(after);
      const users = await realmUsers(realm);
      expect(new Set(users.map((u) => u.key)).size).toBe(users.length); // never a duplicate, even mid-run
    }
    const finish = mirror({
      source: sourceOf(dir),
      target: targetOf(realm),
      state: new FileStateStore(statePath),
      policy: "propagate",
    });
    const result = await finish.apply();
    expect(result.status).toBe("done");
    await expectConverged(dir, realm);
    // Every user is in exactly the groups the generated directory puts them in.
    const again = await finish.apply();
    expect(again.writes).toBe(0);
    const fresh = await mirror({
      source: sourceOf(dir),
      target: targetOf(realm),
      state: new MemoryStateStore(),
      policy: "propagate",
    }).plan();
    expect(fresh.writes).toBe(0); // a from-scratch full round finds nothing left to do
  });
});
