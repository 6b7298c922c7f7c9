#!/usr/bin/env node
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
// How fast each store resolves a sign-in's link (findOrCreate of a known
// account) and serves StateStore get/set, against the machine's real
// services. Imports the built package (run `npm run build` first; `npm run
// bench:stores` does both) and prints a markdown table.
//
// Every case runs for a bounded time and count on loopback only, and
// cleans up its own data (a temp SQLite file, a Postgres schema, a Redis
// key prefix).
import { createRequire } from "node:module";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryLinkStore, MemoryStateStore } from "../dist/index.js";
import { postgresLinkStore, postgresStateStore } from "../dist/stores/postgres.js";
import { redisStateStore } from "../dist/stores/redis.js";
import { sqliteLinkStore, sqliteStateStore } from "../dist/stores/sqlite.js";

const POSTGRES_URL = process.env.IDSWITCH_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env.IDSWITCH_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const SECONDS = Number(process.env.IDSWITCH_BENCH_SECONDS ?? 2);
const MAX_OPS = 2_000_000;

/** Runs `op` with `inFlight` concurrent callers for SECONDS (or MAX_OPS); returns ops per second. */
async function measure(op, inFlight) {
  for (let i = 0; i < 200; i++) await op(i); // warm-up: connections, JIT, statement caches
  let done = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  const worker = async () => {
    while (performance.now() < deadline && done < MAX_OPS) await op(done++);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return done / ((performance.now() - started) / 1000);
}

const accounts = Array.from({ length: 1000 }, (_, i) => ({
  provider: "entra",
  tenant: "tid",
  subject: `oid-${i}`,
}));
const signIn = (store) => (i) =>
  store.findOrCreate(accounts[i % accounts.length], { newAppUserId: `user-${i % accounts.length}`, now: 1 });
const getSet = (store, kind) => (i) =>
  kind === "set"
    ? store.set(`k${i % 1000}`, { failures: i, open: false }, { ttlMs: 60_000 })
    : store.get(`k${i % 1000}`);

const folder = mkdtempSync(join(tmpdir(), "idswitch-bench-"));
const schema = `idswitch_bench_${process.pid}`;
const prefix = `idswitch-bench:${process.pid}:`;
const rows = [];

async function bench(name, operation, op, concurrency = [1, 16]) {
  const results = [];
  for (const inFlight of concurrency) results.push(await measure(op, inFlight));
  rows.push({ name, operation, results });
}

try {
  const links = {
    memory: new MemoryLinkStore(),
    "SQLite (WAL, synchronous=FULL)": sqliteLinkStore({ path: join(folder, "links.db") }),
    PostgreSQL: postgresLinkStore({ connectionString: POSTGRES_URL, schema, maxConnections: 16 }),
  };
  for (const [name, store] of Object.entries(links)) {
    for (let i = 0; i < accounts.length; i++) await signIn(store)(i); // the accounts exist: sign-ins of known users
    await bench(name, "link resolution (findOrCreate, known account)", signIn(store));
  }
  const states = {
    memory: new MemoryStateStore(),
    Redis: redisStateStore({ url: REDIS_URL, prefix }),
    "SQLite (WAL, synchronous=FULL)": sqliteStateStore({ path: join(folder, "state.db") }),
    PostgreSQL: postgresStateStore({ connectionString: POSTGRES_URL, schema, maxConnections: 16 }),
  };
  for (const [name, store] of Object.entries(states)) {
    await bench(name, "StateStore set (JSON, TTL)", getSet(store, "set"));
    await bench(name, "StateStore get", getSet(store, "get"));
  }
  for (const store of [...Object.values(links), ...Object.values(states)]) await store.close?.();
} finally {
  await cleanUp();
}

const require = createRequire(import.meta.url);
const version = (pkg) => require(`${pkg}/package.json`).version;
const cpu = readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/)?.[1] ?? cpus()[0]?.model;
console.log(
  `CPU: ${cpu} (${cpus().length} cores); Node ${process.version}; better-sqlite3 ${version("better-sqlite3")}, pg ${version("pg")}, redis ${version("redis")}; ${SECONDS} s per case\n`,
);
console.log("| store | operation | ops/s, 1 in flight | ops/s, 16 in flight |");
console.log("|---|---|---:|---:|");
const fmt = (n) => Math.round(n).toLocaleString("en-US");
for (const row of rows)
  console.log(`| ${row.name} | ${row.operation} | ${row.results.map(fmt).join(" | ")} |`);

async function cleanUp() {
  rmSync(folder, { recursive: true, force: true });
  const pg = (await import("pg")).default;
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
  const { createClient } = await import("redis");
  const redis = createClient({ url: REDIS_URL });
  redis.on("error", () => undefined);
  await redis.connect();
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
    if (keys.length > 0) await redis.del(keys);
  }
  await redis.close();
}
