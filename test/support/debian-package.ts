/**
 * What the suites need from the machine beyond `npm ci`, brought by the test
 * setup itself: a program from a Debian package (Chromium for the browser
 * tests, redis-server for the store outage test). Installed with apt-get when
 * it is missing and this process may install packages (root, or sudo without
 * a password); otherwise the test fails naming the command to run — never a
 * skip, so a green run always means the suite ran.
 */
import { execFileSync, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** The program's path, looked up on PATH (or taken as is when absolute); undefined when absent. */
export function findProgram(program: string): string | undefined {
  const candidates = program.startsWith("/")
    ? [program]
    : (process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, program));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const installing = new Map<string, Promise<string>>();

/**
 * Resolves to the path of `program`, installing Debian's `pkg` first when it
 * is missing. Rejects with the command to run when it cannot install.
 */
export function ensureDebianProgram(program: string, pkg: string): Promise<string> {
  const found = findProgram(program);
  if (found !== undefined) return Promise.resolve(found);
  let pending = installing.get(pkg);
  if (!pending) {
    pending = install(program, pkg);
    installing.set(pkg, pending);
  }
  return pending;
}

async function install(program: string, pkg: string): Promise<string> {
  const command = `sudo apt-get install -y ${pkg}`;
  if (findProgram("apt-get") === undefined) {
    throw new Error(
      `${program} is missing and this is not a Debian machine: install ${pkg}, then run the tests again`,
    );
  }
  const asRoot = process.getuid?.() === 0;
  if (!asRoot && !passwordlessSudo()) {
    throw new Error(
      `${program} is missing: the tests need Debian's ${pkg}. Run \`${command}\`, then the tests again`,
    );
  }
  const sudo = asRoot ? [] : ["sudo", "-n"];
  process.stderr.write(`[setup] ${program} is missing: installing Debian's ${pkg} (apt-get)\n`);
  await run([...sudo, "apt-get", "update"]);
  await run([
    ...sudo,
    "env",
    "DEBIAN_FRONTEND=noninteractive",
    "apt-get",
    "install",
    "-y",
    "--no-install-recommends",
    pkg,
  ]);
  const installed = findProgram(program);
  if (installed === undefined) throw new Error(`installed ${pkg}, yet ${program} is still missing`);
  return installed;
}

function passwordlessSudo(): boolean {
  try {
    execFileSync("sudo", ["-n", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function run(argv: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv as [string, ...string[]];
    const child = spawn(cmd, args, { stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${argv.join(" ")} exited with ${code}`)),
    );
  });
}
