// SQLite: the contract on real files, plus what only a file-backed store
// has — persistence across reopening, the schema migrations, and the
// failures a bad path or a locked file bring.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { IdSwitchError } from "../../src/index.js";
import { SQLITE_SCHEMA_VERSION, sqliteLinkStore, sqliteStateStore } from "../../src/stores/sqlite/index.js";
import { MIGRATIONS } from "../../src/stores/sqlite/migrations.js";
import { describeLinkStoreContract, describeStateStoreContract } from "../contract/store-contract.js";
import { idSwitchErrorOf } from "../support/rejection.js";
import { tempFolder } from "./support/temp.js";

const folder = tempFolder("sqlite");
afterAll(() => folder.remove());
let files = 0;
const newFile = () => join(folder.path, `store-${++files}.db`);

describeLinkStoreContract("sqlite", { open: async () => sqliteLinkStore({ path: newFile() }) });

let now = 0;
describeStateStoreContract("sqlite", {
  open: async () => {
    now = 1_767_225_600_000;
    return sqliteStateStore({ path: newFile(), now: () => now });
  },
  elapse: async (ms) => {
    now += ms;
  },
  exactClock: true,
});

const account = { provider: "entra", tenant: "tid", subject: "oid" };

describe("sqlite stores: the file", () => {
  it("keeps links and state across closing and reopening", async () => {
    const path = newFile();
    const links = sqliteLinkStore({ path });
    const state = sqliteStateStore({ path });
    const { link } = await links.findOrCreate(account, { newAppUserId: "user-1", now: 1 });
    await state.set("mark", { suspended: true });
    await links.close();
    await state.close();

    const reopened = sqliteLinkStore({ path });
    const reopenedState = sqliteStateStore({ path });
    expect(await reopened.find(account)).toEqual(link);
    expect(await reopenedState.get("mark")).toEqual({ suspended: true });
    await reopened.close();
    await reopenedState.close();
  });

  it("runs in WAL mode with durable commits", async () => {
    const path = newFile();
    const links = sqliteLinkStore({ path });
    await links.find(account);
    const db = new Database(path);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
    await links.close();
  });

  it("is unusable after close", async () => {
    const links = sqliteLinkStore({ path: newFile() });
    await links.find(account);
    await links.close();
    const error = await idSwitchErrorOf(links.find(account));
    expect(error.code).toBe("provider_unavailable");
  });
});

describe("sqlite stores: migrations", () => {
  const versions = (path: string) => {
    const db = new Database(path, { readonly: true });
    const rows = db.prepare("SELECT version FROM idswitch_schema_version ORDER BY version").all();
    db.close();
    return rows.map((row) => (row as { version: number }).version);
  };
  const all = Array.from({ length: SQLITE_SCHEMA_VERSION }, (_, i) => i + 1);

  it("creates the current schema in an empty database", async () => {
    const path = newFile();
    const store = sqliteLinkStore({ path });
    await store.findOrCreate(account, { newAppUserId: "u", now: 1 });
    await store.close();
    expect(versions(path)).toEqual(all);
  });

  it("migrates a database at the previous version, keeping its links", async () => {
    // The v1 schema, written by hand as an older idswitch left it.
    const path = newFile();
    const db = new Database(path);
    db.exec(
      "CREATE TABLE idswitch_schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
    );
    db.exec((MIGRATIONS[0] as { sql: string }).sql);
    db.prepare("INSERT INTO idswitch_schema_version VALUES (1, 0)").run();
    db.prepare(
      "INSERT INTO idswitch_links (provider, tenant, subject, app_user_id, method, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    ).run("entra", "tid", "oid", "user-old", "new-user", 7);
    db.close();

    const links = sqliteLinkStore({ path });
    expect((await links.find(account))?.appUserId).toBe("user-old");
    await links.close();
    const state = sqliteStateStore({ path });
    await state.set("k", 1);
    expect(await state.get("k")).toBe(1);
    await state.close();
    expect(versions(path)).toEqual(all);
  });

  it("is idempotent: opening a migrated database twice changes nothing", async () => {
    const path = newFile();
    for (let round = 0; round < 2; round++) {
      const store = sqliteLinkStore({ path });
      await store.findOrCreate(account, { newAppUserId: `u${round}`, now: 1 });
      await store.close();
    }
    expect(versions(path)).toEqual(all);
    const store = sqliteLinkStore({ path });
    expect((await store.find(account))?.appUserId).toBe("u0");
    await store.close();
  });

  it("refuses a database from a newer idswitch", async () => {
    const path = newFile();
    const db = new Database(path);
    db.exec(
      "CREATE TABLE idswitch_schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
    );
    db.prepare("INSERT INTO idswitch_schema_version VALUES (?, 0)").run(SQLITE_SCHEMA_VERSION + 1);
    db.close();
    const store = sqliteLinkStore({ path });
    const error = await idSwitchErrorOf(store.find(account));
    expect(error.code).toBe("config_invalid");
    expect(error.message).toContain(`schema version ${SQLITE_SCHEMA_VERSION + 1}`);
    await store.close();
  });
});

describe("sqlite stores: bad input", () => {
  it("validates options when the factory is called, naming each path", () => {
    const error = (() => {
      try {
        sqliteLinkStore({ path: "", busyTimeoutMs: -1 });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(IdSwitchError);
    expect((error as IdSwitchError).code).toBe("config_invalid");
    expect((error as IdSwitchError).issues?.map((i) => i.path)).toEqual([
      "sqliteLinkStore.path",
      "sqliteLinkStore.busyTimeoutMs",
    ]);
  });

  it("reports a file it cannot open as the store being unavailable, at the call", async () => {
    // A missing folder is made (0700); a file where the folder should be cannot be.
    const notAFolder = newFile();
    writeFileSync(notAFolder, "");
    const store = sqliteLinkStore({ path: join(notAFolder, "links.db") });
    const error = await idSwitchErrorOf(store.findOrCreate(account, { newAppUserId: "u", now: 1 }));
    expect(error.code).toBe("provider_unavailable");
    expect(error.reason).toBe("store");
    expect(error.retryable).toBe(true);
    expect(error.message).toBe("the sqlite link store is unavailable (SQLITE_CANTOPEN)");
    await store.close();
  });

  it("reports a write lock held past the busy timeout as unavailable, and recovers after", async () => {
    const path = newFile();
    const store = sqliteLinkStore({ path, busyTimeoutMs: 50 });
    await store.find(account);
    const other = new Database(path);
    other.exec("BEGIN IMMEDIATE");
    const error = await idSwitchErrorOf(store.findOrCreate(account, { newAppUserId: "u", now: 1 }));
    expect(error.message).toBe("the sqlite link store is unavailable (SQLITE_BUSY)");
    other.exec("ROLLBACK");
    other.close();
    expect((await store.findOrCreate(account, { newAppUserId: "u", now: 1 })).created).toBe(true);
    await store.close();
  });

  it("rejects arguments that are not ids as programmer errors", async () => {
    const store = sqliteLinkStore({ path: newFile() });
    const bad = { provider: "entra", tenant: undefined, subject: "x" } as unknown as typeof account;
    await expect(store.find(bad)).rejects.toBeInstanceOf(TypeError);
    await expect(store.findOrCreate(account, { newAppUserId: "", now: 1 })).rejects.toBeInstanceOf(TypeError);
    await store.close();
  });
});
