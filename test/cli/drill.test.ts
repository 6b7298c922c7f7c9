/**
 * `idswitch drill` in-process against the machine's Redis and PostgreSQL: the
 * drill it writes is the one an app instance sharing the store routes by
 * (its `drill` event, `drills()`), `--status` and `--end` work, and usage
 * mistakes exit 2 before any store is opened. The providers are never
 * contacted: their addresses here answer nothing.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { createIdentity, type IdentityEvents, keycloak } from "../../src/index.js";
import { postgresStateStore } from "../../src/stores/postgres/index.js";
import { redisStateStore } from "../../src/stores/redis/index.js";

const REDIS = "redis://127.0.0.1:6379";
const POSTGRES = "postgres://postgres@127.0.0.1:5432/test";
const prefix = `idswitch-test:drill-cli:${randomUUID()}:`;
const schema = `drill_cli_${randomUUID().replaceAll("-", "").slice(0, 12)}`;

// Two Keycloak realms on a port nothing listens on: a drill must not need them.
const env = {
  IDSWITCH__providers__0__type: "keycloak",
  IDSWITCH__providers__0__id: "entra",
  IDSWITCH__providers__0__issuer: "http://127.0.0.1:9/realms/primary",
  IDSWITCH__providers__0__clientId: "app",
  IDSWITCH__providers__1__type: "keycloak",
  IDSWITCH__providers__1__id: "eu",
  IDSWITCH__providers__1__issuer: "http://127.0.0.1:9/realms/spare",
  IDSWITCH__providers__1__clientId: "app",
};
const providers = () => [
  keycloak({ id: "entra", issuer: "http://127.0.0.1:9/realms/primary", clientId: "app" }),
  keycloak({ id: "eu", issuer: "http://127.0.0.1:9/realms/spare", clientId: "app" }),
];

async function idswitch(args: string[], extraEnv: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(["drill", ...args], {
    env: { ...env, ...extraEnv },
    write: (line) => out.push(line),
    stderr: { write: (text) => err.push(text), isTTY: false },
  });
  return { code, out: out.join("\n"), err: err.join("") };
}

afterAll(async () => {
  // The schema this file created, and nothing else.
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

describe("idswitch drill", () => {
  it("on Redis: an app instance sharing the store sees the drill start and end", async () => {
    const state = redisStateStore({ url: REDIS, prefix });
    const app = createIdentity({ providers: providers(), routing: { health: false }, state });
    const events: IdentityEvents["drill"][] = [];
    app.on("drill", (e) => events.push(e));
    try {
      const started = await idswitch([
        "--provider",
        "entra",
        "--minutes",
        "10",
        "--percent",
        "5",
        "--redis",
        REDIS,
        "--prefix",
        prefix,
      ]);
      expect(started.code, started.err).toBe(0);
      expect(started.out).toMatch(
        /^drill of entra: treated as down for 5 % of app users until \S+Z \(10 min left\)$/,
      );

      const [drill] = await app.drills();
      expect(drill).toMatchObject({ provider: "entra", percent: 5 });
      // Ten minutes from when the command read the clock (the store's start is a moment later).
      const length = drill ? drill.until - drill.startedAt : 0;
      expect(length).toBeGreaterThan(600_000 - 1_000);
      expect(length).toBeLessThanOrEqual(600_000);
      expect(events).toEqual([{ provider: "entra", state: "started", percent: 5, until: drill?.until }]);

      const status = await idswitch(["--status", "--json", "--redis", REDIS, "--prefix", prefix]);
      expect(JSON.parse(status.out)).toEqual([drill]);

      expect(
        (await idswitch(["--provider", "entra", "--end", "--redis", REDIS, "--prefix", prefix])).code,
      ).toBe(0);
      expect(await app.drills()).toEqual([]);
      expect(events.at(-1)).toMatchObject({ provider: "entra", state: "ended" });
      expect((await idswitch(["--status", "--redis", REDIS, "--prefix", prefix])).out).toBe(
        "no drill in force",
      );
    } finally {
      await app.close();
      await state.close?.();
    }
  });

  it("on PostgreSQL: everyone, the application's own tokens included, by default", async () => {
    const run = await idswitch([
      "--provider",
      "eu",
      "--minutes",
      "1",
      "--postgres",
      POSTGRES,
      "--schema",
      schema,
    ]);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain("treated as down for everyone (and the application's own tokens)");
    const state = postgresStateStore({ connectionString: POSTGRES, schema });
    const app = createIdentity({ providers: providers(), routing: { health: false }, state });
    try {
      expect(await app.drills()).toMatchObject([{ provider: "eu", percent: 100 }]);
    } finally {
      await app.close();
      await state.close?.();
    }
  });

  it("reads a file whose providers set a connect budget (connectTimeoutMs), as loadConfig would", async () => {
    const run = await idswitch(["--status", "--postgres", POSTGRES, "--schema", schema], {
      IDSWITCH__providers__1__connectTimeoutMs: "1500",
    });
    expect(run.code, run.err).toBe(0);
  });

  it("usage mistakes exit 2 and name what is wrong", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["--minutes", "5", "--redis", REDIS], /--provider is required/],
      [["--provider", "entra", "--minutes", "5"], /--redis <url> or --postgres <url>/],
      [
        ["--provider", "entra", "--minutes", "0", "--redis", REDIS],
        /--minutes needs a whole number from 1 to 1440, got 0/,
      ],
      [
        ["--provider", "entra", "--minutes", "5", "--percent", "150", "--redis", REDIS],
        /--percent needs .* got 150/,
      ],
      [
        ["--provider", "nope", "--minutes", "5", "--redis", REDIS],
        /"nope" is not in the configuration \(entra, eu\)/,
      ],
      [["--end", "--status", "--redis", REDIS], /--end and --status do not go together/],
    ];
    for (const [args, message] of cases) {
      const run = await idswitch(args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.err).toMatch(message);
    }
  });
});
