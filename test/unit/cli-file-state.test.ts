/**
 * The CLI's file-backed StateStore (the mirror's checkpoint): the StateStore
 * contract every store passes, then what a file adds — it outlives the
 * process, a second writer is refused, a stale lock is taken over.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/args.js";
import { FileStateStore } from "../../src/cli/file-state.js";
import { describeStateStoreContract } from "../contract/store-contract.js";
import { rejectionOf } from "../support/rejection.js";

const folder = await mkdtemp(join(tmpdir(), "idswitch-state-"));
let n = 0;
const fresh = () => join(folder, `state-${n++}`, "mirror-state.json");

let now = 0;
describeStateStoreContract("file (idswitch CLI)", {
  open: async () => {
    now = 1_767_225_600_000;
    return FileStateStore.open(fresh(), { now: () => now });
  },
  elapse: async (ms) => {
    now += ms;
  },
  exactClock: true,
});

describe("the state file", () => {
  it("outlives the process: reopened, it holds what was written; expired values are not kept", async () => {
    const path = fresh();
    let clock = 1000;
    const first = await FileStateStore.open(path, { now: () => clock });
    await first.set("idswitch:mirror:default:cursor", {
      link: "https://graph/delta?token=x",
      round: "delta",
    });
    await first.set("short", 1, { ttlMs: 10 });
    await first.close();
    clock += 20;
    const again = await FileStateStore.open(path, { now: () => clock });
    expect(await again.get("idswitch:mirror:default:cursor")).toEqual({
      link: "https://graph/delta?token=x",
      round: "delta",
    });
    expect(await again.get("short")).toBeUndefined();
    await again.set("other", 2);
    await again.close();
    const file = JSON.parse(await readFile(path, "utf8"));
    expect(file).toMatchObject({ idswitch: "mirror-state", version: 1 });
    expect(Object.keys(file.entries)).toEqual(["idswitch:mirror:default:cursor", "other"]);
  });

  it("keeps every one of many concurrent writes (each write replaces the file with the latest state)", async () => {
    const path = fresh();
    const store = await FileStateStore.open(path);
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.set(`k${i}`, i)));
    await store.close();
    const reopened = await FileStateStore.open(path, { readOnly: true });
    expect(await Promise.all(Array.from({ length: 50 }, (_, i) => reopened.get(`k${i}`)))).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
  });

  it("refuses a second writer while one runs, naming it; a reader may look; closed, it is free", async () => {
    const path = fresh();
    const first = await FileStateStore.open(path);
    const refused = await rejectionOf(FileStateStore.open(path));
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as Error).message).toContain(`process ${process.pid} on ${hostname()}`);
    expect((refused as Error).message).toContain(`${path}.lock`);
    await expect(FileStateStore.open(path, { readOnly: true })).resolves.toBeInstanceOf(FileStateStore);
    await first.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
    await (await FileStateStore.open(path)).close();
  });

  it("takes over a lock left by a process that no longer runs (killed mid-run)", async () => {
    const path = fresh();
    const gone = spawnSync(process.execPath, ["-e", ""]).pid;
    await (await FileStateStore.open(path)).close(); // creates the folder
    await writeFile(`${path}.lock`, JSON.stringify({ pid: gone, host: hostname(), since: "earlier" }));
    const store = await FileStateStore.open(path);
    expect(JSON.parse(await readFile(`${path}.lock`, "utf8")).pid).toBe(process.pid);
    await store.close();
  });

  it("read-only: creates nothing and refuses writes", async () => {
    const path = fresh();
    const store = await FileStateStore.open(path, { readOnly: true });
    expect(await store.get("k")).toBeUndefined();
    await expect(store.set("k", 1)).rejects.toThrow(/read-only/);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it("a file that is not a mirror state is refused, not overwritten", async () => {
    const path = join(folder, "not-state.json");
    await writeFile(path, '{"something":"else"}');
    const err = await rejectionOf(FileStateStore.open(path));
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/is not an idswitch mirror state file/);
    expect(await readFile(path, "utf8")).toBe('{"something":"else"}');
  });
});
