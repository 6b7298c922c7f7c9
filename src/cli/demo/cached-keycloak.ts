/**
 * The real Keycloak for the demo when no KEYCLOAK_URL is given: the test
 * bed already running on its port, or the distribution `npm test` cached
 * (~/.cache/idswitch, or IDSWITCH_CACHE_DIR), started with the test
 * fixtures' realm and stopped after the demo. Starting it takes a while
 * (20–90 s), so the demo says so; with neither at hand the demo uses the
 * Keycloak-lite emulator.
 *
 * The start itself is scripts/keycloak.mjs, the very code the test setup
 * uses; it ships with the repository, not with the package, so an installed
 * `idswitch` finds no script to start and stays on the emulator. The script
 * is found from the package root, not from this file: bundled, this code
 * runs from a chunk (`dist/run-*.js`) whose depth differs from the source's.
 */
import { access } from "node:fs/promises";
import { constants, homedir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { packageRoot } from "../package-root.js";

const VERSION = "26.7.3";
/** The test bed's port (`npm run keycloak -- start`), and the demo's Keycloak's unless `--keycloak-port`. */
export const KEYCLOAK_PORT = 18180;

export type CachedKeycloak =
  | { readonly kind: "running"; readonly url: string }
  | { readonly kind: "cached"; readonly script: string; readonly home: string; readonly port: number }
  | undefined;

/** What the machine offers on `port`, without starting anything. */
export async function findCachedKeycloak(
  env: Readonly<Record<string, string | undefined>>,
  port = KEYCLOAK_PORT,
): Promise<CachedKeycloak> {
  const url = `http://localhost:${port}`;
  if (await answersAsTestBed(url)) return { kind: "running", url };
  const home = join(env.IDSWITCH_CACHE_DIR || join(homedir(), ".cache", "idswitch"), `keycloak-${VERSION}`);
  const root = await packageRoot(import.meta.url);
  const script = root === undefined ? undefined : join(root, "scripts", "keycloak.mjs");
  if (script && (await exists(script)) && (await exists(join(home, "bin", "kc.sh")))) {
    return { kind: "cached", script, home, port };
  }
  return undefined;
}

/** A Keycloak the demo started: where it answers, its process group, and how to stop it. */
export interface StartedKeycloak {
  readonly url: string;
  /** kc.sh's pid, which leads the server's process group. */
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts the cached distribution with the fixtures' realm on `found.port` (management: port + 10). */
export async function startCachedKeycloak(
  found: Extract<CachedKeycloak, { kind: "cached" }>,
): Promise<StartedKeycloak> {
  const { startKeycloak } = (await import(pathToFileURL(found.script).href)) as {
    startKeycloak(options: {
      home: string;
      cacheDir: string;
      port: number;
      managementPort: number;
    }): Promise<{ url: string; pid: number; stop(): Promise<void> }>;
  };
  const server = await startKeycloak({
    home: found.home,
    cacheDir: dirname(found.home),
    port: found.port,
    managementPort: found.port + 10,
  });
  return { url: server.url, pid: server.pid, stop: () => server.stop() };
}

/**
 * Until the returned function is called, SIGINT or SIGTERM stops the server before the process ends
 * with that signal. Without it, Ctrl+C during the story would leave Keycloak running: it has its own
 * process group (the terminal's signal does not reach it), and a signal ends Node without the "exit"
 * event scripts/keycloak.mjs stops it on. (`--open` stops it on those signals through its own close.)
 */
export function stopOnSignals(server: StartedKeycloak): () => void {
  const off = () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    off();
    void server.stop().finally(() => process.kill(process.pid, signal));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  return off;
}

/**
 * Until the returned function is called, SIGINT or SIGTERM ends the process through `process.exit`
 * (status 128 + the signal's number, as a shell reports it), so that the "exit" listener
 * scripts/keycloak.mjs keeps while it starts a server kills that server's process group: a signal
 * ending Node by default skips "exit" listeners, and Keycloak would outlive a Ctrl+C during its start.
 */
export function exitOnSignals(): () => void {
  const off = () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    off();
    process.exit(128 + (constants.signals[signal] ?? 0));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  return off;
}

async function answersAsTestBed(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/realms/idswitch/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(1_000),
    });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
