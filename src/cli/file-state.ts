/**
 * The mirror's StateStore on the command line: one JSON file
 * (`.idswitch/mirror-state.json` by default), so a second `idswitch mirror
 * apply` reads only what changed (the Graph delta link) and a run that was
 * stopped finishes where it stopped (the checkpoint after every page, the
 * pending disables).
 *
 * Why a file rather than a store URL: the mirror's state is a few small keys
 * written a few times per page, by one run at a time; a file needs no server,
 * no driver and no credentials on the host that runs the mirror, can be read
 * by a person, and deleted to force a full round. A shared store (Redis) is
 * for app instances, which this is not.
 *
 * Each write replaces the file by rename after an fsync, so a crash leaves the
 * old or the new state, never half of one. A lock file keeps two runs from
 * interleaving their checkpoints, and a run reads the state only once it holds
 * the lock: read before, a run starting as another finishes would carry the
 * older state and write it over the newer one. A lock left by a dead process on
 * this host is taken over by one run only (see takeOver).
 */
import { randomUUID } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { MemoryStateStore, type SetOptions, type StateStore, type StateValue } from "idswitch";
import { UsageError } from "./args.js";

const NO_HELP = { help: false };

interface StateFile {
  readonly idswitch: "mirror-state";
  readonly version: 1;
  readonly entries: Readonly<
    Record<string, { readonly value: StateValue; readonly expiresAt?: number | undefined }>
  >;
}

/** Options of {@link FileStateStore.open}. */
export interface FileStateOptions {
  /** Reads only (`mirror plan`): no lock taken, no file created; a write throws. */
  readonly readOnly?: boolean;
  /** Clock in epoch milliseconds (tests inject one). */
  readonly now?: () => number;
}

/**
 * The semantics (expiry, copies, atomic add / take / compareAndSet) are the
 * in-memory store's; this class only loads it from the file, refuses writes
 * when read-only, and writes the file after each change.
 */
export class FileStateStore implements StateStore {
  readonly #memory: MemoryStateStore;
  readonly #readOnly: boolean;
  #lock: string | undefined;
  #version = 0;
  #flushed = 0;
  #writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    entries: StateFile["entries"],
    options: FileStateOptions,
  ) {
    this.#memory = new MemoryStateStore({ now: options.now, entries });
    this.#readOnly = options.readOnly === true;
  }

  /** Opens (or, on the first write, creates) the state file; takes its lock, then reads, unless read-only. */
  static async open(path: string, options: FileStateOptions = {}): Promise<FileStateStore> {
    if (options.readOnly === true) return new FileStateStore(path, await load(path), options);
    const lock = await takeLock(`${path}.lock`);
    try {
      const store = new FileStateStore(path, await load(path), options);
      store.#lock = lock;
      return store;
    } catch (err) {
      await rm(lock, { force: true });
      throw err;
    }
  }

  get<T extends StateValue = StateValue>(key: string): Promise<T | undefined> {
    return this.#memory.get<T>(key);
  }

  async set(key: string, value: StateValue, options?: SetOptions): Promise<void> {
    this.#writable();
    await this.#memory.set(key, value, options);
    await this.#persist();
  }

  async delete(key: string): Promise<void> {
    this.#writable();
    await this.#memory.delete(key);
    await this.#persist();
  }

  async add(key: string, value: StateValue, options?: SetOptions): Promise<boolean> {
    this.#writable();
    const added = await this.#memory.add(key, value, options);
    if (added) await this.#persist();
    return added;
  }

  async take<T extends StateValue = StateValue>(key: string): Promise<T | undefined> {
    this.#writable();
    const taken = await this.#memory.take<T>(key);
    if (taken !== undefined) await this.#persist();
    return taken;
  }

  async increment(key: string, options: SetOptions & { readonly by?: number } = {}): Promise<number> {
    this.#writable();
    const next = await this.#memory.increment(key, options);
    await this.#persist();
    return next;
  }

  async compareAndSet(
    key: string,
    expected: StateValue | undefined,
    next: StateValue,
    options?: SetOptions,
  ): Promise<boolean> {
    this.#writable();
    const swapped = await this.#memory.compareAndSet(key, expected, next, options);
    if (swapped) await this.#persist();
    return swapped;
  }

  /** Waits for the last write and releases the lock. */
  async close(): Promise<void> {
    await this.#writing.catch(() => undefined);
    if (this.#lock) await rm(this.#lock, { force: true });
    this.#lock = undefined;
  }

  #writable(): void {
    if (this.#readOnly) throw new Error(`${this.path} is open read-only`);
  }

  /**
   * Resolves once a write that began after this change is on disk. The
   * in-memory store changes synchronously (so compareAndSet and take stay
   * atomic in this process); writes are queued and coalesced, each one the
   * whole latest state.
   */
  #persist(): Promise<void> {
    const wanted = ++this.#version;
    const write = this.#writing
      .catch(() => undefined)
      .then(async () => {
        if (this.#flushed >= wanted) return;
        const version = this.#version;
        await writeAtomically(this.path, this.#snapshot());
        this.#flushed = version;
      });
    this.#writing = write;
    return write;
  }

  #snapshot(): string {
    const file: StateFile = { idswitch: "mirror-state", version: 1, entries: this.#memory.entries() };
    return `${JSON.stringify(file, null, 2)}\n`;
  }
}

async function load(path: string): Promise<StateFile["entries"]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new UsageError(`cannot read the state file ${path}: ${(err as Error).message}`, NO_HELP);
  }
  let file: Partial<StateFile> | undefined;
  try {
    file = JSON.parse(text) as Partial<StateFile>;
  } catch {
    file = undefined;
  }
  if (file?.idswitch !== "mirror-state" || file.version !== 1 || typeof file.entries !== "object") {
    throw new UsageError(
      `${path} is not an idswitch mirror state file; move it away (the next run is then a full round)`,
      NO_HELP,
    );
  }
  return file.entries ?? {};
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomUUID().slice(0, 8)}.tmp`;
  const handle = await open(temporary, "w", 0o600);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
}

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/** Creates the lock file or explains who holds it; a lock of a dead process on this host is taken over. */
async function takeLock(path: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const mine: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, JSON.stringify(mine), { flag: "wx", mode: 0o600 });
      return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const owner = await readOwner(path);
    const stale = owner !== undefined && owner.host === mine.host && !alive(owner.pid);
    if (!stale || !(await takeOver(path, owner, mine))) {
      const who = !owner
        ? "another run"
        : stale
          ? `another run (taking over from process ${owner.pid}, which has ended)`
          : `process ${owner.pid} on ${owner.host}, since ${owner.since}`;
      throw new UsageError(
        `the state file is in use by ${who} (${path}); wait for that run, or delete the lock file if no run is active`,
        NO_HELP,
      );
    }
  }
  throw new UsageError(`cannot take the lock ${path}`, NO_HELP);
}

/**
 * Removes the stale lock of `stale`, if this run is the one to do it. Two runs that both find the
 * same dead owner must not both remove "the" lock: the second would remove the lock the first has
 * just created, and both would run. So removing it is itself guarded by an exclusive create, of a
 * marker named after that dead owner: one run creates it, the others are told the file is in use.
 * The winner checks that the lock still is the stale one (a slower run may come after the winner
 * has released its marker, when the lock is already the winner's), removes it, and then competes
 * for the lock with an exclusive create like any run. False when another run took it over.
 */
async function takeOver(path: string, stale: LockOwner, mine: LockOwner): Promise<boolean> {
  const marker = `${path}.takeover-${stale.pid}-${stale.since.replace(/[^0-9]/g, "")}`;
  try {
    await writeFile(marker, JSON.stringify(mine), { flag: "wx", mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
  try {
    // Gone: nothing to remove, compete for it. Anything but the stale owner — another run's lock,
    // or one so new its owner is not written yet — is not ours to remove.
    if (!(await exists(path))) return true;
    const current = await readOwner(path);
    if (current?.pid !== stale.pid || current.since !== stale.since || current.host !== stale.host) {
      return false;
    }
    await rm(path, { force: true });
    return true;
  } finally {
    await rm(marker, { force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as LockOwner;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
