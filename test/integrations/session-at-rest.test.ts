/**
 * Sessions kept server side (`session.store`) are sealed at rest by default:
 * the raw bytes of the store — a SQLite file with its WAL, a Redis value —
 * hold no token, and a plain session planted in the store signs nobody in.
 * Signs in at the Entra emulator through the Hono integration (`app.fetch`).
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IdentitySession, SetOptions, StateStore, StateValue } from "../../src/index.js";
import { type IdswitchEnv, idswitch } from "../../src/integrations/hono/index.js";
import { redisStateStore } from "../../src/stores/redis/index.js";
import { sqliteStateStore } from "../../src/stores/sqlite/index.js";
import { signInWithPassword } from "../../src/testing/index.js";
import { TestBrowser } from "./support/browser.js";
import { startWorld, type World } from "./support/world.js";

const ORIGIN = "https://at-rest.idswitch.test";
const REDIS_URL = "redis://127.0.0.1:6379";

let world: World;
let folder: string;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  world = await startWorld();
  folder = mkdtempSync(join(tmpdir(), "idswitch-at-rest-"));
});
afterAll(async () => {
  for (const close of closers) await close();
  await world?.close();
  rmSync(folder, { recursive: true, force: true });
});

/** A store, and every byte of what it keeps (for SQLite: the database file with its WAL). */
interface StoreUnderTest {
  readonly store: StateStore;
  raw(): Promise<string>;
}

const stores = {
  sqlite: async (): Promise<StoreUnderTest> => {
    const path = join(folder, `${randomUUID()}.db`);
    const store = sqliteStateStore({ path });
    closers.push(() => store.close());
    const name = path.split("/").pop() ?? "";
    return {
      store,
      raw: async () =>
        readdirSync(folder)
          .filter((file) => file.startsWith(name))
          .map((file) => readFileSync(join(folder, file)).toString("latin1"))
          .join("\n"),
    };
  },
  redis: async (): Promise<StoreUnderTest> => {
    const prefix = `at-rest-${randomUUID()}:`;
    const store = redisStateStore({ url: REDIS_URL, prefix });
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    closers.push(async () => {
      for (const key of await client.keys(`${prefix}*`)) await client.del(key);
      await client.quit();
      await store.close();
    });
    return {
      store,
      raw: async () => {
        const values: string[] = [];
        for (const key of await client.keys(`${prefix}*`)) {
          values.push(
            key,
            JSON.stringify(await client.dump(key)),
            (await client.get(key).catch(() => "")) ?? "",
          );
        }
        return values.join("\n");
      },
    };
  },
};

/** An app whose sessions live in `store`; `/tokens` shows the test what the session holds. */
async function appWith(store: StateStore, sealAtRest?: boolean) {
  const setup = await world.appAt(ORIGIN);
  const auth = idswitch({
    ...setup.web,
    session: { store, ...(sealAtRest === undefined ? {} : { sealAtRest }) },
  });
  const app = new Hono<IdswitchEnv>();
  app.route("/", auth.routes());
  app.get("/tokens", auth.requireAuth(), (c) => c.json(c.get("idswitch")?.session?.tokens ?? {}));
  const browser = new TestBrowser(ORIGIN, async (request) => app.fetch(request));
  return { browser, signIn: () => signIn(browser) };
}

async function signIn(browser: TestBrowser): Promise<IdentitySession["tokens"]> {
  const user = world.newEntraUser();
  const login = await browser.request("/auth/login");
  const result = await signInWithPassword(login.headers.get("location") ?? "", user, {
    redirectUriPrefix: `${ORIGIN}/auth/callback/entra`,
  });
  if (!("callbackUrl" in result)) throw new Error(`sign-in refused: ${result.error}`);
  const callback = new URL(result.callbackUrl);
  expect((await browser.request(`${callback.pathname}${callback.search}`)).status).toBe(302);
  const tokens = await browser.request("/tokens", { accept: "application/json" });
  expect(tokens.status).toBe(200);
  return (await tokens.json()) as IdentitySession["tokens"];
}

/** The bearer values a session holds: none may appear at rest. */
function secretsOf(tokens: IdentitySession["tokens"]): string[] {
  const values = [tokens.accessToken, tokens.refreshToken, tokens.idToken].filter(
    (v): v is string => typeof v === "string",
  );
  expect(values.length).toBe(3);
  // A token's signature: unique to it, and what a thief would need.
  return values.map((token) => token.split(".").pop() ?? token);
}

describe.each(["sqlite", "redis"] as const)("a session kept in %s", (kind) => {
  it("is sealed at rest by default: no token in the store's bytes", async () => {
    const { store, raw } = await stores[kind]();
    const { signIn } = await appWith(store);
    const tokens = await signIn();
    const bytes = await raw();
    expect(bytes).toContain("web-session");
    for (const secret of secretsOf(tokens)) expect(bytes).not.toContain(secret);
  });

  it("with sealAtRest: false, stores the tokens as they are (what the default prevents)", async () => {
    const { store, raw } = await stores[kind]();
    const { signIn } = await appWith(store, false);
    const tokens = await signIn();
    const bytes = await raw();
    expect(secretsOf(tokens).some((secret) => bytes.includes(secret))).toBe(true);
  });
});

it("a plain session planted in the store under a live id signs nobody in", async () => {
  const { store } = await stores.sqlite();
  // The keys the integration writes its sessions under: what a reader of the store sees.
  const written: string[] = [];
  const watched = new Proxy(store, {
    get(target, name) {
      if (name === "set") {
        return (key: string, value: StateValue, options?: SetOptions) => {
          written.push(key);
          return target.set(key, value, options);
        };
      }
      const member: unknown = Reflect.get(target, name, target);
      return typeof member === "function" ? member.bind(target) : member;
    },
  });
  const { browser, signIn } = await appWith(watched);
  await signIn();
  const key = written.find((k) => k.startsWith("idswitch:web-session:")) ?? "";
  expect(key).not.toBe("");
  // Whoever can write to the store, without the secret, replaces the sealed value with a session of their choosing.
  const planted = {
    provider: "entra",
    appUserId: "someone-else",
    signedInAt: Date.now(),
    principal: { provider: "entra", subject: "x", roles: ["admin"], groups: [], claims: {} },
    tokens: { accessToken: "forged", tokenType: "Bearer" },
  };
  await store.set(key, planted);
  expect((await browser.request("/tokens", { accept: "application/json" })).status).toBe(401);
});
