// Vitest globalSetup for the integration project: one real Keycloak for the whole run.
//
// KEYCLOAK_URL set   → reuse that server (e.g. one started with `node scripts/keycloak.mjs start`);
//                      KEYCLOAK_ADMIN_USER / KEYCLOAK_ADMIN_PASSWORD override admin/admin.
// KEYCLOAK_URL unset → unpack (if needed) and start Keycloak 26.7.3 with the test fixtures, stop it at the end.
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
  }
}

interface StartedKeycloak {
  url: string;
  pid: number;
  stop: () => Promise<void>;
}

/** The parts of scripts/keycloak.mjs used here (the script is plain JS without type declarations). */
interface KeycloakScript {
  ensureKeycloakDistribution(options?: { version?: string; cacheDir?: string }): Promise<string>;
  startKeycloak(options?: { adminUser?: string; adminPassword?: string }): Promise<StartedKeycloak>;
  defaultCacheDir(): string;
}

// Imported through a computed URL so TypeScript does not look for declarations of the .mjs file.
const SCRIPT_URL = new URL("../../scripts/keycloak.mjs", import.meta.url).href;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const admin = {
    username: process.env.KEYCLOAK_ADMIN_USER ?? "admin",
    password: process.env.KEYCLOAK_ADMIN_PASSWORD ?? "admin",
  };
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
    registry[SHARED] ??= { started: startShared(admin), users: 0 };
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
  return teardown;
}

const SHARED = Symbol.for("idswitch.test.keycloak");

interface SharedKeycloak {
  readonly started: Promise<StartedKeycloak>;
  users: number;
}

async function startShared(admin: { username: string; password: string }): Promise<StartedKeycloak> {
  const script = (await import(SCRIPT_URL)) as KeycloakScript;
  await script.ensureKeycloakDistribution();
  // Prints "[keycloak] ready at <url> in <n> s (pid, log)" to stderr itself.
  return script.startKeycloak({ adminUser: admin.username, adminPassword: admin.password });
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
