// SQLite files hold links and, as the session store, refresh tokens: they
// must be the owner's alone (0600), whatever the umask, and so must the
// `-wal` and `-shm` files SQLite makes next to them, and any folder idswitch
// makes for them (0700). POSIX modes only: Windows has none to check.
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { sqliteLinkStore, sqliteStateStore } from "../../src/stores/sqlite/index.js";
import { tempFolder } from "./support/temp.js";

const folder = tempFolder("sqlite-mode");
afterAll(() => folder.remove());

const modeOf = (path: string) => statSync(path).mode & 0o777;
const account = { provider: "entra", tenant: "tid", subject: "oid" };

let umask: number;
beforeEach(() => {
  umask = process.umask(0o022); // the usual default, under which files are created 0644
});
afterEach(() => {
  process.umask(umask);
});

/** Opens both stores on `path` and writes, so that the WAL and shared-memory files exist. */
async function writeThrough(path: string) {
  const links = sqliteLinkStore({ path });
  const state = sqliteStateStore({ path });
  await links.findOrCreate(account, { newAppUserId: "user-1", now: 1 });
  await state.set("session:1", { refreshToken: "secret" }, { ttlMs: 60_000 });
  return {
    async close() {
      await links.close();
      await state.close();
    },
  };
}

describe.skipIf(process.platform === "win32")("sqlite stores: file permissions", () => {
  it("creates the database, its -wal and -shm 0600, and the folders it makes 0700", async () => {
    const outer = join(folder.path, "new");
    const inner = join(outer, "data");
    const path = join(inner, "links.db");
    const stores = await writeThrough(path);
    for (const file of [path, `${path}-wal`, `${path}-shm`]) {
      expect(existsSync(file), file).toBe(true);
      expect(modeOf(file).toString(8), file).toBe("600");
    }
    expect(modeOf(outer).toString(8)).toBe("700");
    expect(modeOf(inner).toString(8)).toBe("700");
    await stores.close();
  });

  it("gives a separate state file the same 0600", async () => {
    const path = join(folder.path, "state.db");
    const state = sqliteStateStore({ path });
    await state.set("session:1", { refreshToken: "secret" }, { ttlMs: 60_000 });
    for (const file of [path, `${path}-wal`, `${path}-shm`])
      expect(modeOf(file).toString(8), file).toBe("600");
    await state.close();
  });

  it("tightens an existing database and its leftover -wal and -shm to 0600", async () => {
    const path = join(folder.path, "old.db");
    const first = await writeThrough(path);
    await first.close();
    // As a version before this fix left them, or a crash left the WAL files behind.
    writeFileSync(`${path}-wal`, "");
    writeFileSync(`${path}-shm`, "");
    for (const file of [path, `${path}-wal`, `${path}-shm`]) chmodSync(file, 0o644);
    const again = await writeThrough(path);
    for (const file of [path, `${path}-wal`, `${path}-shm`])
      expect(modeOf(file).toString(8), file).toBe("600");
    await again.close();
  });

  it("leaves the mode of a folder it did not create alone", async () => {
    const shared = join(folder.path, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o755);
    const stores = await writeThrough(join(shared, "links.db"));
    expect(modeOf(shared).toString(8)).toBe("755");
    await stores.close();
  });

  it("still opens ':memory:' without making a file", async () => {
    const stores = await writeThrough(":memory:");
    expect(existsSync(":memory:")).toBe(false);
    await stores.close();
  });
});
