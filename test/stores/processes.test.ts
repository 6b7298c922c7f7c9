// Several app instances on one store: separate processes racing for the same
// account or the same login state, and a process killed (-9) in the middle
// of a burst of link writes. In-process concurrency (the contract suite)
// cannot show these: there, a JavaScript event loop serialises the calls.
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import type { LinkStore } from "../../src/index.js";
import { postgresLinkStore, postgresStateStore } from "../../src/stores/postgres/index.js";
import { redisStateStore } from "../../src/stores/redis/index.js";
import { sqliteLinkStore, sqliteStateStore } from "../../src/stores/sqlite/index.js";
import { POSTGRES_URL, Schemas } from "./support/postgres.js";
import { Prefixes, REDIS_URL } from "./support/redis.js";
import { tempFolder } from "./support/temp.js";
import { raceTwo, Worker } from "./support/workers.js";

const folder = tempFolder("processes");
const schemas = new Schemas("idswitch_p");
const prefixes = new Prefixes("processes");
afterAll(async () => {
  folder.remove();
  await schemas.dropAll();
  await prefixes.cleanUp();
});
let files = 0;
const newFile = () => join(folder.path, `race-${++files}.db`);

/** 50 calls in all: 25 concurrent in each of two processes. */
const PER_PROCESS = 25;

type Backend = { backend: "sqlite" | "postgres"; target: string; namespace?: string };
const linkBackends: [string, () => Backend, (b: Backend) => LinkStore][] = [
  ["sqlite", () => ({ backend: "sqlite", target: newFile() }), (b) => sqliteLinkStore({ path: b.target })],
  [
    "postgres",
    () => ({ backend: "postgres", target: POSTGRES_URL, namespace: schemas.next() }),
    (b) => postgresLinkStore({ connectionString: b.target, schema: b.namespace }),
  ],
];

describe.each(linkBackends)("%s LinkStore across processes", (_name, newBackend, open) => {
  it("50 concurrent first sign-ins of one account from two processes make exactly one app user", async () => {
    const backend = newBackend();
    const workers = await raceTwo({ ...backend, task: "find-or-create", count: PER_PROCESS });
    const results = await Promise.all(workers.map((w) => w.next("results")));
    expect(results.reduce((n, r) => n + r.created, 0)).toBe(1);
    const ids = new Set(results.flatMap((r) => r.appUserIds));
    expect(ids.size).toBe(1);
    expect(results.flatMap((r) => r.appUserIds)).toHaveLength(2 * PER_PROCESS);
    const store = open(backend);
    const all = await store.list();
    expect(all.map((l) => l.appUserId)).toEqual([...ids]);
    await store.close?.();
  });

  it("a process killed -9 mid-burst leaves every acknowledged link, no duplicate, no partial row", async () => {
    const backend = newBackend();
    const worker = await Worker.start({ ...backend, id: "burst", task: "burst", count: 0 });
    await worker.next("ready");
    worker.go();
    await expect
      .poll(() => worker.acks().length, { timeout: 20_000, interval: 5 })
      .toBeGreaterThanOrEqual(100);
    await worker.kill();
    const acked = worker.acks();

    const store = open(backend);
    // Every write the process saw succeed is there, whole.
    for (const { i, appUserId } of acked) {
      expect(await store.find({ provider: "entra", tenant: "tid", subject: `oid-${i}` })).toMatchObject({
        appUserId,
        method: "new-user",
      });
      expect(await store.find({ provider: "eu", tenant: "acme", subject: `kc-${i}` })).toMatchObject({
        appUserId,
        method: "link-claim",
      });
    }
    const all = await store.list({ limit: 100_000 });
    const keys = all.map((l) => `${l.provider}/${l.tenant}/${l.subject}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const link of all) {
      expect(link.appUserId).toMatch(/^user-\d+$/);
      expect(["new-user", "link-claim"]).toContain(link.method);
      expect(link.createdAt).toBeGreaterThan(0);
    }
    // A second account is written only after its user's first: never an orphan.
    const users = new Set(all.filter((l) => l.provider === "entra").map((l) => l.appUserId));
    for (const link of all.filter((l) => l.provider === "eu")) expect(users.has(link.appUserId)).toBe(true);
    // At most the one pair in flight at the kill is beyond the acknowledged ones.
    expect(users.size - acked.length).toBeLessThanOrEqual(1);
    // And the store takes writes again: no lock left behind by the dead process.
    const next = await store.findOrCreate(
      { provider: "entra", tenant: "tid", subject: "after" },
      { newAppUserId: "user-after", now: 1 },
    );
    expect(next.created).toBe(true);
    await store.close?.();
    if (backend.backend === "sqlite") {
      const db = new Database(backend.target, { readonly: true });
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      db.close();
    }
  });
});

const stateBackends: [
  string,
  () => { backend: "sqlite" | "postgres" | "redis"; target: string; namespace?: string },
][] = [
  ["redis", () => ({ backend: "redis", target: REDIS_URL, namespace: prefixes.next() })],
  ["sqlite", () => ({ backend: "sqlite", target: newFile() })],
  ["postgres", () => ({ backend: "postgres", target: POSTGRES_URL, namespace: schemas.next() })],
];

describe.each(stateBackends)("%s StateStore across processes", (name, newBackend) => {
  it("50 concurrent takes of one login state from two processes: exactly one winner", async () => {
    const backend = newBackend();
    const store =
      name === "redis"
        ? redisStateStore({ url: backend.target, prefix: backend.namespace })
        : name === "sqlite"
          ? sqliteStateStore({ path: backend.target })
          : postgresStateStore({ connectionString: backend.target, schema: backend.namespace });
    await store.set("login-state", { nonce: "n-1" });
    const workers = await raceTwo({ ...backend, task: "take", count: PER_PROCESS });
    const results = await Promise.all(workers.map((w) => w.next("results")));
    expect(results.reduce((n, r) => n + r.taken, 0)).toBe(1);
    expect(await store.get("login-state")).toBeUndefined();
    await store.close();
  });
});
