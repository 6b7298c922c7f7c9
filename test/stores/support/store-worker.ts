/**
 * A child process for the cross-process tests: opens a store as another app
 * instance would, reports ready, and on "go" runs its part of a race or a
 * burst of writes, reporting each result to the parent over IPC.
 *
 * Bundled by ./workers.ts (Node 20 runs no TypeScript); never imported by a test.
 */
import type { LinkStore, StateStore } from "idswitch";
import { postgresLinkStore, postgresStateStore } from "../../../src/stores/postgres/index.js";
import { redisStateStore } from "../../../src/stores/redis/index.js";
import { sqliteLinkStore, sqliteStateStore } from "../../../src/stores/sqlite/index.js";

export interface WorkerConfig {
  readonly id: string;
  readonly backend: "sqlite" | "postgres" | "redis";
  /** SQLite file, Postgres URL or Redis URL. */
  readonly target: string;
  /** Postgres schema or Redis prefix. */
  readonly namespace?: string;
  readonly task: "find-or-create" | "take" | "burst";
  readonly count: number;
}

export type WorkerReport =
  | { readonly kind: "ready" }
  | {
      readonly kind: "results";
      readonly created: number;
      readonly appUserIds: string[];
      readonly taken: number;
    }
  | { readonly kind: "ack"; readonly i: number; readonly appUserId: string }
  | { readonly kind: "failed"; readonly message: string };

const config = JSON.parse(process.argv[2] as string) as WorkerConfig;
const send = (report: WorkerReport) =>
  new Promise<void>((resolve) => process.send?.(report, () => resolve()));

function openLinks(): LinkStore {
  if (config.backend === "sqlite") return sqliteLinkStore({ path: config.target });
  return postgresLinkStore({ connectionString: config.target, schema: config.namespace, maxConnections: 20 });
}

function openState(): StateStore {
  if (config.backend === "sqlite") return sqliteStateStore({ path: config.target });
  if (config.backend === "postgres") {
    return postgresStateStore({
      connectionString: config.target,
      schema: config.namespace,
      maxConnections: 20,
    });
  }
  return redisStateStore({ url: config.target, prefix: config.namespace });
}

const account = { provider: "entra", tenant: "tid", subject: "racer" };

/** Opens connections (and migrates) before the start signal, so the race is the operations alone. */
async function readyThenGo(warmUp: () => Promise<unknown>): Promise<void> {
  await warmUp();
  await send({ kind: "ready" });
  await new Promise((resolve) => process.once("message", resolve));
}

async function raceFindOrCreate(): Promise<void> {
  const links = openLinks();
  await readyThenGo(() => links.find(account));
  const results = await Promise.all(
    Array.from({ length: config.count }, (_, i) =>
      links.findOrCreate(account, { newAppUserId: `${config.id}-${i}`, now: Date.now() }),
    ),
  );
  const created = results.filter((r) => r.created).length;
  await send({ kind: "results", created, appUserIds: results.map((r) => r.link.appUserId), taken: 0 });
  await links.close?.();
}

async function raceTake(): Promise<void> {
  const state = openState();
  await readyThenGo(() => state.get("warm-up"));
  const results = await Promise.all(Array.from({ length: config.count }, () => state.take("login-state")));
  const taken = results.filter((r) => r !== undefined).length;
  await send({ kind: "results", created: 0, appUserIds: [], taken });
  await state.close?.();
}

/** Writes pairs of links (a new user, then a second account for them) until killed. */
async function burst(): Promise<void> {
  const links = openLinks();
  await readyThenGo(() => links.find(account));
  for (let i = 0; ; i++) {
    const { link } = await links.findOrCreate(
      { provider: "entra", tenant: "tid", subject: `oid-${i}` },
      { newAppUserId: `user-${i}`, now: Date.now() },
    );
    await links.link({ provider: "eu", tenant: "acme", subject: `kc-${i}` }, link.appUserId, {
      method: "link-claim",
      now: Date.now(),
    });
    // Acknowledged only once both writes returned: these must survive the kill.
    process.send?.({ kind: "ack", i, appUserId: link.appUserId } satisfies WorkerReport);
  }
}

const tasks = { "find-or-create": raceFindOrCreate, take: raceTake, burst };
tasks[config.task]().then(
  () => process.exit(0),
  async (error: unknown) => {
    await send({ kind: "failed", message: String((error as Error)?.message ?? error) });
    process.exit(1);
  },
);
