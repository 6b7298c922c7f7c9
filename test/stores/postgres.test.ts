// PostgreSQL: the contract against the machine's real server, plus the
// migrations, option checks and outages that only a networked store has.
import { createServer, type Socket } from "node:net";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { IdSwitchError } from "../../src/index.js";
import {
  POSTGRES_SCHEMA_VERSION,
  postgresLinkStore,
  postgresStateStore,
} from "../../src/stores/postgres/index.js";
import { MIGRATIONS } from "../../src/stores/postgres/migrations.js";
import { describeLinkStoreContract, describeStateStoreContract } from "../contract/store-contract.js";
import { closedLoopbackPort } from "../support/ports.js";
import { idSwitchErrorOf } from "../support/rejection.js";
import { POSTGRES_URL, Schemas } from "./support/postgres.js";

const schemas = new Schemas("idswitch_t");
afterAll(() => schemas.dropAll());

describeLinkStoreContract("postgres", {
  open: async () => postgresLinkStore({ connectionString: POSTGRES_URL, schema: schemas.next() }),
});

describeStateStoreContract("postgres", {
  open: async () => postgresStateStore({ connectionString: POSTGRES_URL, schema: schemas.next() }),
  // The database server's clock: real time passes.
  elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  exactClock: false,
});

const account = { provider: "entra", tenant: "tid", subject: "oid" };
const versions = async (schema: string) =>
  (await schemas.admin.query(`SELECT version FROM "${schema}".schema_version ORDER BY version`)).rows.map(
    (r) => r.version as number,
  );
const all = Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1);

describe("postgres stores: migrations", () => {
  it("creates the schema in an empty database on first use, with byte-order (C) collation", async () => {
    const schema = schemas.next();
    const store = postgresLinkStore({ connectionString: POSTGRES_URL, schema });
    await store.findOrCreate(account, { newAppUserId: "u", now: 1 });
    await store.close();
    expect(await versions(schema)).toEqual(all);
    const { rows } = await schemas.admin.query(
      `SELECT column_name, collation_name FROM information_schema.columns
       WHERE table_schema = $1 AND table_name = 'links' AND data_type = 'text' AND column_name <> 'method'
       ORDER BY column_name`,
      [schema],
    );
    expect(rows).toEqual(
      ["app_user_id", "provider", "subject", "tenant"].map((c) => ({ column_name: c, collation_name: "C" })),
    );
  });

  it("migrates a schema at the previous version, keeping its links", async () => {
    const schema = schemas.next();
    // The v1 schema, written by hand as an older idswitch left it.
    await schemas.admin.query(`CREATE SCHEMA "${schema}"`);
    await schemas.admin.query(
      `CREATE TABLE "${schema}".schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    await schemas.admin.query((MIGRATIONS[0] as { sql: string }).sql.replaceAll("{schema}", `"${schema}"`));
    await schemas.admin.query(`INSERT INTO "${schema}".schema_version (version) VALUES (1)`);
    await schemas.admin.query(
      `INSERT INTO "${schema}".links (provider, tenant, subject, app_user_id, method, created_at)
       VALUES ('entra', 'tid', 'oid', 'user-old', 'new-user', 7)`,
    );
    const links = postgresLinkStore({ connectionString: POSTGRES_URL, schema });
    expect((await links.find(account))?.appUserId).toBe("user-old");
    await links.close();
    const state = postgresStateStore({ connectionString: POSTGRES_URL, schema });
    await state.set("k", 1);
    expect(await state.get("k")).toBe(1);
    await state.close();
    expect(await versions(schema)).toEqual(all);
  });

  it("migrates explicitly, twice in a row and from many instances at once, to one schema", async () => {
    const schema = schemas.next();
    const stores = Array.from({ length: 5 }, () =>
      postgresLinkStore({ connectionString: POSTGRES_URL, schema, migrate: false }),
    );
    // Concurrent CREATE SCHEMA / CREATE TABLE would collide without the advisory lock.
    await Promise.all(stores.map((s) => s.migrate()));
    await stores[0]?.migrate();
    expect(await versions(schema)).toEqual(all);
    await Promise.all(stores.map((s) => s.close()));
  });

  it("with migrate: false, leaves the schema alone and fails until migrated", async () => {
    const schema = schemas.next();
    const store = postgresLinkStore({ connectionString: POSTGRES_URL, schema, migrate: false });
    const error = await idSwitchErrorOf(store.find(account));
    expect(error.code).toBe("provider_unavailable");
    expect(error.message).toBe("the postgres link store is unavailable (42P01)"); // undefined_table
    await store.migrate();
    expect(await store.find(account)).toBeUndefined();
    await store.close();
  });

  it("refuses a schema from a newer idswitch", async () => {
    const schema = schemas.next();
    await schemas.admin.query(`CREATE SCHEMA "${schema}"`);
    await schemas.admin.query(
      `CREATE TABLE "${schema}".schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    await schemas.admin.query(`INSERT INTO "${schema}".schema_version (version) VALUES ($1)`, [
      POSTGRES_SCHEMA_VERSION + 1,
    ]);
    const store = postgresLinkStore({ connectionString: POSTGRES_URL, schema });
    const error = await idSwitchErrorOf(store.find(account));
    expect(error.code).toBe("config_invalid");
    await store.close();
  });
});

describe("postgres stores: connections", () => {
  it("borrows a pool it is given and leaves it open on close", async () => {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
    const store = postgresLinkStore({ pool, schema: schemas.next() });
    await store.findOrCreate(account, { newAppUserId: "u", now: 1 });
    await store.close();
    expect((await pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    await pool.end();
  });

  it("ends its own pool on close: the store is unusable afterwards", async () => {
    const store = postgresLinkStore({ connectionString: POSTGRES_URL, schema: schemas.next() });
    await store.find(account);
    await store.close();
    expect((await idSwitchErrorOf(store.find(account))).code).toBe("provider_unavailable");
  });
});

describe("postgres stores: bad input", () => {
  it("validates options when the factory is called, naming each path and never the value", () => {
    const secret = "postgres://app:hunter2@db/x";
    const attempt = (options: unknown) => {
      try {
        postgresLinkStore(options as Parameters<typeof postgresLinkStore>[0]);
      } catch (e) {
        return e as IdSwitchError;
      }
      throw new Error("accepted");
    };
    const both = attempt({ connectionString: secret, pool: new pg.Pool(), schema: "Bad-Name" });
    expect(both.code).toBe("config_invalid");
    expect(both.issues?.map((i) => i.path)).toEqual(["postgresLinkStore.schema", "postgresLinkStore.pool"]);
    expect(both.message).not.toContain("hunter2");
    expect(attempt({}).issues?.map((i) => i.path)).toEqual(["postgresLinkStore.pool"]);
    expect(attempt({ connectionString: secret, sсhema: "x" }).issues?.[0]?.path).toBe(
      "postgresLinkStore.sсhema",
    );
  });

  it("reports a refused connection as provider_unavailable at the call, quickly, without the password", async () => {
    const port = await closedLoopbackPort();
    const store = postgresLinkStore({ connectionString: `postgres://app:hunter2@127.0.0.1:${port}/test` });
    const started = Date.now();
    const error = await idSwitchErrorOf(store.findOrCreate(account, { newAppUserId: "u", now: 1 }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error.code).toBe("provider_unavailable");
    expect(error.reason).toBe("store");
    expect(error.provider).toBeUndefined();
    expect(error.retryable).toBe(true);
    expect(error.message).toBe("the postgres link store is unavailable (ECONNREFUSED)");
    expect(JSON.stringify(error)).not.toContain("hunter2");
    await store.close();
  });

  it("gives up on a server that accepts but never answers after the connect timeout", async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as { port: number };
    const store = postgresStateStore({
      connectionString: `postgres://app@127.0.0.1:${port}/test`,
      connectTimeoutMs: 200,
    });
    const started = Date.now();
    const error = await idSwitchErrorOf(store.get("k"));
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(IdSwitchError);
    expect(error.code).toBe("provider_unavailable");
    expect(error.message).toBe("the postgres state store is unavailable (timeout)");
    await store.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });
});
