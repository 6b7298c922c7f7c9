/**
 * The real Keycloak for the demo when no KEYCLOAK_URL is given: the test
 * bed already running on its port, or the distribution `npm test` cached
 * (~/.cache/idswitch, or IDSWITCH_CACHE_DIR), started with the test
 * fixtures' realm and stopped after the demo. Starting it takes a while
 * (20–40 s), so the demo says so; with neither at hand the demo uses the
 * Keycloak-lite emulator.
 *
 * The start itself is scripts/keycloak.mjs, the very code the test setup
 * uses; it ships with the repository, not with the package, so an installed
 * `idswitch` finds no cache to start and stays on the emulator.
 */
import { access } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const VERSION = "26.7.3";
const PORT = 18180;

export type CachedKeycloak =
  | { readonly kind: "running"; readonly url: string }
  | { readonly kind: "cached"; readonly script: string; readonly home: string }
  | undefined;

/** What the machine offers, without starting anything; `port` is the test bed's (18180). */
export async function findCachedKeycloak(
  env: Readonly<Record<string, string | undefined>>,
  port = PORT,
): Promise<CachedKeycloak> {
  const url = `http://localhost:${port}`;
  if (await answersAsTestBed(url)) return { kind: "running", url };
  const home = join(env.IDSWITCH_CACHE_DIR || join(homedir(), ".cache", "idswitch"), `keycloak-${VERSION}`);
  const script = await firstExisting(
    // dist/cli/index.js and src/cli/demo/*.ts both sit below the repository's root.
    ["../../scripts/keycloak.mjs", "../../../scripts/keycloak.mjs"].map((p) =>
      fileURLToPath(new URL(p, import.meta.url)),
    ),
  );
  if (script && (await exists(join(home, "bin", "kc.sh")))) return { kind: "cached", script, home };
  return undefined;
}

/** Starts the cached distribution with the fixtures' realm; resolves its URL and how to stop it. */
export async function startCachedKeycloak(
  found: Extract<CachedKeycloak, { kind: "cached" }>,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const { startKeycloak } = (await import(pathToFileURL(found.script).href)) as {
    startKeycloak(options: { home: string; port: number }): Promise<{ url: string; stop(): Promise<void> }>;
  };
  const server = await startKeycloak({ home: found.home, port: PORT });
  return { url: server.url, stop: () => server.stop() };
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

async function firstExisting(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) if (await exists(path)) return path;
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
