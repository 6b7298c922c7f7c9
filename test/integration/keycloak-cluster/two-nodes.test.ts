/**
 * The EU spare as a two-node Keycloak cluster behind a load balancer: one node dies (SIGKILL)
 * in the middle of a session, and the SDK — one provider, the balancer's URL as its issuer —
 * goes on signing people in, refreshing and verifying without a failed call.
 *
 * Runs in production mode whatever KEYCLOAK_MODE says (start-dev has no cluster): two nodes of
 * its own, on a database of its own, clustered through `jdbc-ping`, the default discovery of
 * production mode, which keeps the members in a table of that database
 * (https://www.keycloak.org/server/caching). The shared test server is left alone.
 */
import { join } from "node:path";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KeycloakProvider, keycloak, type Session } from "../../../src/index.js";
import { KeycloakAdmin } from "../../support/keycloak-admin.js";
import { REDIRECT_URI, signIn } from "../../support/keycloak-env.js";
import { closedLoopbackPort } from "../../support/ports.js";
import { startTcpBalancer, type TcpBalancer } from "../../support/tcp-balancer.js";

interface Node {
  readonly pid: number;
  stop(): Promise<void>;
}

/** The parts of scripts/keycloak.mjs used here (plain JS without type declarations). */
interface KeycloakScript {
  startKeycloak(options: Record<string, unknown>): Promise<Node>;
  ensureCertificates(): Promise<{ ca: string }>;
  createDatabase(name: string): Promise<void>;
  dropDatabase(name: string): Promise<void>;
  psql(sql: string, options?: { database?: string }): Promise<string>;
  defaultCacheDir(): string;
}

const SCRIPT_URL = new URL("../../../scripts/keycloak.mjs", import.meta.url).href;

const ada = { username: "ada", password: `ada-pw-${Date.now()}` };

let script: KeycloakScript;
let balancer: TcpBalancer | undefined;
let database: string | undefined;
const nodes: Node[] = [];
let nodePorts: number[] = [];
let provider: KeycloakProvider;

/** A fresh provider instance: its discovery document and JWKS are fetched anew, through the balancer. */
const newProvider = (): KeycloakProvider =>
  keycloak({
    id: "eu",
    issuer: `https://localhost:${balancer?.port}/realms/idswitch`,
    clientId: "app",
    clientSecret: "app-secret",
    redirectUri: REDIRECT_URI,
  });

beforeAll(async () => {
  script = (await import(SCRIPT_URL)) as KeycloakScript;
  const { ca } = await script.ensureCertificates();
  if (process.env.NODE_EXTRA_CA_CERTS !== ca) {
    // Node reads the variable once, at start; test/setup/keycloak.global.ts sets it when unset.
    throw new Error(
      `the two-node test needs NODE_EXTRA_CA_CERTS=${ca} (it is ${process.env.NODE_EXTRA_CA_CERTS}); ` +
        "run: NODE_EXTRA_CA_CERTS=$(node scripts/keycloak.mjs ca) npm test",
    );
  }
  const ports = await distinctFreePorts(6);
  nodePorts = ports.slice(0, 2);
  balancer = await startTcpBalancer(nodePorts);
  const hostname = `https://localhost:${balancer.port}`;
  database = `idswitch_keycloak_cluster_${balancer.port}`;
  await script.createDatabase(database);
  // One after the other: the first imports the realms into the empty database.
  for (const [index, port] of nodePorts.entries()) {
    nodes.push(
      await script.startKeycloak({
        mode: "production",
        port,
        managementPort: ports[2 + index],
        clusterPort: ports[4 + index],
        hostname, // both nodes issue tokens for the balancer's URL: one issuer for the cluster
        database,
        importRealms: index === 0,
        // Fixed names: the ports change every run, and the logs should not pile up.
        logFile: join(script.defaultCacheDir(), "logs", `keycloak-cluster-node-${index + 1}.log`),
      }),
    );
  }
  provider = newProvider();
  await KeycloakAdmin.forRealmServiceAccount(hostname).createUser(ada);
}, 600_000);

afterAll(async () => {
  for (const node of nodes.reverse()) await node.stop();
  await balancer?.close();
  if (database) await script.dropDatabase(database);
}, 120_000);

describe("two Keycloak nodes behind a balancer, one killed mid-session", () => {
  let session: Session;
  let sessionId: string;

  it("both nodes joined one cluster, and Ada's session (made on node 1) is in the database", async () => {
    // jdbc-ping: one row per member in the cluster's discovery table.
    expect(await sql("SELECT count(*) FROM jgroups_ping")).toBe("2");

    session = await signIn(provider, ada);
    // Every connection so far went to node 1, the balancer's first choice: the session is its.
    expect(balancer?.connections.get(nodePorts[1] as number)).toBe(0);
    sessionId = sidOf(session);
    // Keycloak 26 keeps regular user sessions in the database too: "persistent user sessions",
    // on by default since 26.0 (https://www.keycloak.org/server/caching, "Volatile user
    // sessions"; the 26.0.0 release notes, https://www.keycloak.org/docs/latest/release_notes/),
    // in the offline-session table with offline_flag '0' (observed, docs/reference/keycloak.md §7.4).
    expect(
      await sql(
        `SELECT count(*) FROM offline_user_session WHERE user_session_id = '${sessionId}' AND offline_flag = '0'`,
      ),
    ).toBe("1");
  });

  it("after node 1 is SIGKILLed, sign-ins, refreshes and verification go on through node 2", async () => {
    const lost = nodes[0] as Node;
    process.kill(-lost.pid, "SIGKILL"); // kc.sh and its JVM: the node's whole process group
    await groupGone(lost.pid);

    const calls: { name: string; error?: string }[] = [];
    const call = async <T>(name: string, run: () => Promise<T>): Promise<T | undefined> => {
      try {
        const result = await run();
        calls.push({ name });
        return result;
      } catch (error) {
        calls.push({ name, error: (error as Error).message });
        return undefined;
      }
    };

    for (let round = 0; round < 3; round++) {
      // The session node 1 made, refreshed by node 2.
      const refreshed = await call("refresh Ada's first session", () => provider.refresh(session));
      if (refreshed) session = refreshed;
      await call("verify the refreshed access token", () =>
        provider.verifyAccessToken(session.tokens.accessToken, { audience: "api" }),
      );
      // A new instance: discovery and the JWKS come from node 2.
      await call("verify with a fresh provider", () =>
        newProvider().verifyAccessToken(session.tokens.accessToken, { audience: "api" }),
      );
      const another = await call("a new sign-in", () => signIn(provider, ada));
      if (another) await call("refresh the new session", () => provider.refresh(another));
    }

    // A load balancer may lose the first call to a node that just died; none after it.
    expect(calls.slice(1).filter((c) => c.error)).toEqual([]);
    expect(calls).toHaveLength(15);
    expect(sidOf(session)).toBe(sessionId); // still the session node 1 made
    expect(balancer?.dropped).toEqual(new Set([nodePorts[0]]));
    expect(balancer?.connections.get(nodePorts[1] as number)).toBeGreaterThan(0);
    expect(
      await sql(
        `SELECT count(*) FROM offline_user_session WHERE user_session_id = '${sessionId}' AND offline_flag = '0'`,
      ),
    ).toBe("1");
  }, 180_000);
});

function sidOf(session: Session): string {
  const sid = decodeJwt(session.tokens.accessToken).sid;
  if (typeof sid !== "string" || !/^[\w-]+$/.test(sid)) throw new Error(`unexpected sid ${String(sid)}`);
  return sid;
}

async function sql(statement: string): Promise<string> {
  return (await script.psql(statement, { database: database ?? "postgres" })).trim();
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await closedLoopbackPort());
  return [...ports];
}

async function groupGone(pgid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
