/**
 * `npm run demo` with no KEYCLOAK_URL and no test bed answering: the BUILT
 * CLI (dist/cli/index.js, whose demo code runs from a chunk dist/run-*.js)
 * must find scripts/keycloak.mjs from the package root, start the
 * distribution `npm test` cached, play the story against it and stop it.
 * It fails when the demo falls back to Keycloak-lite.
 *
 * The demo's Keycloak listens on its own port (18380, management 18390),
 * never the test bed's (18180 here; 8080/18280 elsewhere), and runs in its
 * own process group, which the test kills afterwards if the demo did not
 * stop it.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PORT = 18380;
const CACHE = process.env.IDSWITCH_CACHE_DIR || join(homedir(), ".cache", "idswitch");

const clis: ChildProcess[] = [];
const keycloakGroups: number[] = [];

beforeAll(async () => {
  if (!existsSync(join(CACHE, "keycloak-26.7.3", "bin", "kc.sh"))) {
    throw new Error(`no cached Keycloak 26.7.3 in ${CACHE}: run the integration suite once (npm test)`);
  }
  // What `npm run demo` runs: the build, then the built bin. The build (declarations included) takes
  // minutes on a small machine, so a dist newer than every source file is used as it is.
  if (!(await builtAfterSources())) {
    await promisify(execFile)(join(ROOT, "node_modules", ".bin", "tsup"), ["--silent"], { cwd: ROOT });
  }
}, 600_000);

afterAll(async () => {
  // Whatever happened above, nothing of the demo's survives the test.
  for (const cli of clis) if (cli.pid !== undefined) killGroup(cli.pid, "SIGKILL");
  for (const group of keycloakGroups.filter(groupAlive)) {
    killGroup(group, "SIGTERM");
    await until(() => !groupAlive(group), 30_000);
    killGroup(group, "SIGKILL");
  }
});

interface Demo {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Keycloak's process group, once the demo has said it. */
  readonly group: Promise<number>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `node dist/cli/index.js demo --keycloak-port PORT` in its own process group, without KEYCLOAK_* variables. */
function startDemo(): Demo {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("KEYCLOAK_")),
  ) as NodeJS.ProcessEnv;
  const child = spawn(process.execPath, ["dist/cli/index.js", "demo", "--keycloak-port", String(PORT)], {
    cwd: ROOT,
    env,
    detached: true, // its own process group, as a terminal's foreground job; killed in afterAll if need be
    stdio: ["ignore", "pipe", "pipe"],
  });
  clis.push(child);
  let out = "";
  let err = "";
  let announce: (group: number) => void = () => {};
  const group = new Promise<number>((resolve) => {
    announce = resolve;
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    const found = /process group (\d+)/.exec(out)?.[1];
    if (found && !keycloakGroups.includes(Number(found))) {
      keycloakGroups.push(Number(found));
      announce(Number(found));
    }
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => `${out}\n--- stderr ---\n${err}`, group, exit };
}

describe("npm run demo with the Keycloak distribution cached", () => {
  it("the built CLI starts the real Keycloak, plays the story on it, and stops it", async () => {
    await assertFree(PORT);
    await assertFree(PORT + 10);
    const demo = startDemo();
    const { code } = await demo.exit;
    const transcript = demo.output();
    const out = transcript.split("\n--- stderr ---\n")[0] as string;

    expect(code, transcript).toBe(0);
    expect(out, transcript).not.toContain("Keycloak-lite");
    expect(out).toContain("Starting the real Keycloak 26.7.3 from the cache");
    expect(out).toMatch(new RegExp(`Keycloak is up at http://localhost:${PORT} in [\\d.]+ s`));
    expect(out).toContain(`spare: Keycloak (real, http://localhost:${PORT})`);
    expect(out).toMatch(new RegExp(`issuer http://localhost:${PORT}/realms/idswitch · entra → eu`));
    const appUsers = [...out.matchAll(/app user ([0-9a-f-]{36})/g)].map((m) => m[1]);
    expect(appUsers).toHaveLength(2);
    expect(new Set(appUsers).size).toBe(1);
    // Stopped after the demo: its process group is gone and the port is free again.
    const group = keycloakGroups.at(-1);
    expect(group, transcript).toBeTypeOf("number");
    expect(groupAlive(group as number)).toBe(false);
    await assertFree(PORT);
  }, 300_000);

  it("Ctrl+C during the story stops the Keycloak it started", async () => {
    await assertFree(PORT);
    await assertFree(PORT + 10);
    const demo = startDemo();
    const group = await Promise.race([
      demo.group,
      demo.exit.then(() => Promise.reject(new Error(`the demo ended first:\n${demo.output()}`))),
    ]);
    // The terminal signals its foreground process group: the CLI's, not Keycloak's own.
    killGroup(demo.child.pid as number, "SIGINT");
    expect((await demo.exit).signal, demo.output()).toBe("SIGINT");
    // Gone within moments of the CLI's exit (its last children are reaped as it ends); without the
    // signal handling Keycloak keeps running for good.
    await until(() => !groupAlive(group), 10_000);
    expect(groupAlive(group)).toBe(false);
    await assertFree(PORT);
  }, 300_000);
});

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
}

async function assertFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once("error", (error) => reject(new Error(`port ${port} is in use: ${error.message}`)));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve()));
  });
}

/** Whether dist/cli/index.js was built after the last change to any file under src/. */
async function builtAfterSources(): Promise<boolean> {
  const built = await stat(join(ROOT, "dist", "cli", "index.js")).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const files = await readdir(join(ROOT, "src"), { recursive: true, withFileTypes: true });
  for (const file of files) {
    if (file.isFile() && (await stat(join(file.parentPath, file.name))).mtimeMs > built) return false;
  }
  return true;
}
