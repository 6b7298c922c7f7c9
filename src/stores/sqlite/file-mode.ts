/**
 * Keeping a SQLite store's files the owner's alone. They hold links and, as
 * the session store, refresh tokens; SQLite would create them 0644 under the
 * usual umask 022, readable by every account on the machine.
 *
 * The database file is created 0600 before SQLite opens it: SQLite's unix VFS
 * gives the `-wal`, `-shm` and `-journal` files it makes later the database
 * file's own permissions (https://sqlite.org/tempfiles.html), so they follow.
 * Files left looser by an earlier version or a crash are tightened when this
 * process owns them. POSIX only: Windows has no such modes.
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

/** SQLite's companions of a database file, which hold its pages too. */
const COMPANIONS = ["-wal", "-shm", "-journal"];

/**
 * Makes `path`'s folder (0700, only the levels that were missing) and the file
 * itself (0600) if absent, and takes group and other access away from the
 * file and its companions. `":memory:"` has no file.
 */
export function prepareOwnerOnlyFile(path: string): void {
  if (path === ":memory:") return;
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true, mode: 0o700 });
    createIfAbsent(path);
    if (process.platform === "win32") return;
    for (const file of [path, ...COMPANIONS.map((suffix) => `${path}${suffix}`)]) ownerOnly(file);
  } catch (error) {
    // The folder or file is unusable (a file where a folder should be, no
    // access): the same failure SQLite would report, with the reason kept.
    throw Object.assign(new Error("cannot open the database file", { cause: error }), {
      code: "SQLITE_CANTOPEN",
    });
  }
}

/** O_CREAT|O_EXCL with 0600: never a moment when a new file is readable by others. */
function createIfAbsent(path: string): void {
  try {
    closeSync(openSync(path, "wx", 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}

/**
 * Clears group and other bits of a file this process owns. Someone else's
 * file cannot be changed by us (EPERM) and is left as its owner set it.
 */
function ownerOnly(file: string): void {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (stat === undefined || (stat.mode & 0o077) === 0) return;
  if (stat.uid !== process.getuid?.()) return;
  chmodSync(file, stat.mode & 0o700);
}
