// Vitest globalSetup for the integration project: one real Keycloak for the whole run.
//
// KEYCLOAK_URL set   → reuse that server (e.g. one started with `node scripts/keycloak.mjs start`);
//                      KEYCLOAK_ADMIN_USER / KEYCLOAK_ADMIN_PASSWORD override admin/admin.
// KEYCLOAK_URL unset → unpack (if needed) and start Keycloak 26.7.3 with the test fixtures, stop it at the end.
//
// KEYCLOAK_MODE=production → the server runs as in production (`kc.sh start --optimized` on the
//                      machine's PostgreSQL, https with the test CA of scripts/keycloak.mjs, a
//                      fixed hostname); unset or "dev" → `kc.sh start-dev`, quicker for local runs.
//                      Node trusts the CA through NODE_EXTRA_CA_CERTS (what users do), read once at
//                      process start: set here when unset, it reaches vitest's forked workers, which
//                      are started after the global setups (observed with vitest 4.1, pool "forks":
//                      a worker printed the value and Node's warning that it could not load it);
//                      `.ci/run` sets it before vitest anyway:
//                        NODE_EXTRA_CA_CERTS=$(node scripts/keycloak.mjs ca) KEYCLOAK_MODE=production npm test
//
// Any failure throws: the integration suite must fail loudly, never skip.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    keycloakUrl: string;
    keycloakAdmin: { username: string; password: string };
    /** Process group of the Keycloak under test, so a test can freeze it (SIGSTOP) and resume it; null if unknown. */
    keycloakPid: number | null;
    keycloakMode: KeycloakMode;
    /** Production mode: the test CA (trusted through NODE_EXTRA_CA_CERTS) and the server certificate's SPKI hash. */
    keycloakTls: { caFile: string; spkiSha256: string } | null;
  }
}

export type KeycloakMode = "dev" | "production";

interface StartedKeycloak {
  url: string;
  pid: number;
  stop: () => Promise<void>;
}

/** The parts of scripts/keycloak.mjs used here (the script is plain JS without type declarations). */
interface KeycloakScript {
  ensureKeycloakDistribution(options?: { version?: string; cacheDir?: string }): Promise<string>;
  startKeycloak(options?: {
    mode?: KeycloakMode;
    adminUser?: string;
    adminPassword?: string;
  }): Promise<StartedKeycloak>;
  ensureCertificates(): Promise<{ ca: string; spkiSha256: string }>;
  defaultCacheDir(): string;
}

// Imported through a computed URL so TypeScript does not look for declarations of the .mjs file.
const SCRIPT_URL = new URL("../../scripts/keycloak.mjs", import.meta.url).href;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const admin = {
    username: process.env.KEYCLOAK_ADMIN_USER ?? "admin",
    password: process.env.KEYCLOAK_ADMIN_PASSWORD ?? "admin",
  };
  const mode = keycloakMode();
  const trusted = await trustTestCa(mode);
  const tls = mode === "production" ? trusted : null;
  const external = process.env.KEYCLOAK_URL;
  let url: string;
  let pid: number | null = null;
  let teardown = async (): Promise<void> => {};

  if (external) {
    url = external.replace(/\/+$/, "");
    await assertIdswitchRealm(url);
    process.stderr.write(`[keycloak] using ${url} from KEYCLOAK_URL\n`);
    pid = await externalPid(url);
  } else {
    // Several projects (integration, integrations, e2e) run this setup in one vitest process,
    // in parallel: they share one server, started once and stopped by the last to finish.
    const registry = globalThis as { [SHARED]?: SharedKeycloak };
    registry[SHARED] ??= { started: startShared(admin, mode), users: 0 };
    const shared = registry[SHARED];
    shared.users += 1;
    const server = await shared.started;
    url = server.url;
    pid = server.pid;
    teardown = async () => {
      shared.users -= 1;
      if (shared.users > 0) return;
      delete registry[SHARED];
      await server.stop();
    };
  }

  project.provide("keycloakUrl", url);
  project.provide("keycloakAdmin", admin);
  project.provide("keycloakPid", pid);
  project.provide("keycloakMode", mode);
  project.provide("keycloakTls", tls);
  return teardown;
}

function keycloakMode(): KeycloakMode {
  const mode = process.env.KEYCLOAK_MODE ?? "dev";
  if (mode !== "dev" && mode !== "production") {
    throw new Error(`KEYCLOAK_MODE=${mode}: expected "dev" (the default) or "production"`);
  }
  return mode;
}

/**
 * Makes the test CA the one NODE_EXTRA_CA_CERTS names, in both modes: the two-node test
 * (test/integration/keycloak-cluster) runs production nodes of its own whatever the mode. Workers
 * forked from now on read it at their start; a different value set by the caller cannot be
 * changed for them, so in production mode say how to run (in dev mode only that test needs it,
 * and it says the same).
 */
async function trustTestCa(mode: KeycloakMode): Promise<{ caFile: string; spkiSha256: string }> {
  const script = (await import(SCRIPT_URL)) as KeycloakScript;
  const { ca, spkiSha256 } = await script.ensureCertificates();
  const current = process.env.NODE_EXTRA_CA_CERTS;
  if (current === undefined || current === "") process.env.NODE_EXTRA_CA_CERTS = ca;
  else if (current !== ca && mode === "production") {
    throw new Error(
      `KEYCLOAK_MODE=production: NODE_EXTRA_CA_CERTS=${current}, but the test Keycloak's CA is ${ca}. ` +
        "Node reads that variable once, at start; run:\n" +
        "  NODE_EXTRA_CA_CERTS=$(node scripts/keycloak.mjs ca) KEYCLOAK_MODE=production npm test",
    );
  }
  return { caFile: ca, spkiSha256 };
}

const SHARED = Symbol.for("idswitch.test.keycloak");

interface SharedKeycloak {
  readonly started: Promise<StartedKeycloak>;
  users: number;
}

async function startShared(
  admin: { username: string; password: string },
  mode: KeycloakMode,
): Promise<StartedKeycloak> {
  const script = (await import(SCRIPT_URL)) as KeycloakScript;
  await script.ensureKeycloakDistribution();
  // Prints "[keycloak] ready at <url> in <n> s (pid, log)" to stderr itself.
  return script.startKeycloak({ mode, adminUser: admin.username, adminPassword: admin.password });
}

/** A reused server must be the test bed: its `idswitch` realm answers with the issuer we will compare against. */
async function assertIdswitchRealm(url: string): Promise<void> {
  const discovery = `${url}/realms/idswitch/.well-known/openid-configuration`;
  let issuer: unknown;
  try {
    const response = await fetch(discovery, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    issuer = ((await response.json()) as { issuer?: unknown }).issuer;
  } catch (error) {
    throw new Error(`KEYCLOAK_URL=${url} does not serve ${discovery}: ${(error as Error).message}`);
  }
  if (issuer !== `${url}/realms/idswitch`) {
    throw new Error(
      `KEYCLOAK_URL=${url}: realm idswitch has issuer ${String(issuer)}, expected ${url}/realms/idswitch`,
    );
  }
}

/**
 * The pid of a reused server: KEYCLOAK_PID, or the pid file that
 * `node scripts/keycloak.mjs start` wrote for this very URL.
 */
async function externalPid(url: string): Promise<number | null> {
  if (process.env.KEYCLOAK_PID) return Number(process.env.KEYCLOAK_PID);
  const script = (await import(SCRIPT_URL)) as KeycloakScript;
  try {
    const record = JSON.parse(await readFile(join(script.defaultCacheDir(), "keycloak.pid.json"), "utf8"));
    return record.url === url && typeof record.pid === "number" ? record.pid : null;
  } catch {
    return null;
  }
}
