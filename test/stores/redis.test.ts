// Redis: the contract against the machine's real server on real time (short
// TTLs), plus what only Redis has here — notifications across instances,
// key prefixes, borrowed clients, and a server that goes away.
import { createServer, type Socket } from "node:net";
import { createClient } from "redis";
import { afterAll, describe, expect, it } from "vitest";
import type { IdSwitchError } from "../../src/index.js";
import { redisStateStore } from "../../src/stores/redis/index.js";
import { describeStateStoreContract } from "../contract/store-contract.js";
import { closedLoopbackPort } from "../support/ports.js";
import { idSwitchErrorOf } from "../support/rejection.js";
import { Prefixes, REDIS_URL } from "./support/redis.js";
import { TcpProxy } from "./support/tcp-proxy.js";

const prefixes = new Prefixes("redis");
afterAll(() => prefixes.cleanUp());

describeStateStoreContract("redis", {
  open: async () => redisStateStore({ url: REDIS_URL, prefix: prefixes.next() }),
  elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  exactClock: false,
});

async function withAdmin<T>(use: (admin: ReturnType<typeof createClient>) => Promise<T>): Promise<T> {
  const admin = createClient({ url: REDIS_URL });
  admin.on("error", () => undefined);
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.close();
  }
}

describe("redis state store: keys and instances", () => {
  it("keeps keys under its prefix, with the time to live on the server", async () => {
    const prefix = prefixes.next();
    const store = redisStateStore({ url: REDIS_URL, prefix });
    await store.set("mark", { suspended: true }, { ttlMs: 60_000 });
    await withAdmin(async (admin) => {
      expect(await admin.get(`${prefix}mark`)).toBe('{"suspended":true}');
      const pttl = await admin.pTTL(`${prefix}mark`);
      expect(pttl).toBeGreaterThan(50_000);
      expect(pttl).toBeLessThanOrEqual(60_000);
    });
    const other = redisStateStore({ url: REDIS_URL, prefix: prefixes.next() });
    expect(await other.get("mark")).toBeUndefined();
    await store.close();
    await other.close();
  });

  it("a fresh store answers many concurrent first calls (they wait for the one connection)", async () => {
    const store = redisStateStore({ url: REDIS_URL, prefix: prefixes.next() });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => store.add(`k${i % 5}`, i)));
    expect(answers.filter(Boolean)).toHaveLength(5);
    await store.close();
  });

  it("tells every instance on the same prefix, and none on another", async () => {
    const prefix = prefixes.next();
    const listener = redisStateStore({ url: REDIS_URL, prefix });
    const publisher = redisStateStore({ url: REDIS_URL, prefix });
    const stranger = redisStateStore({ url: REDIS_URL, prefix: prefixes.next() });
    const heard: string[] = [];
    const stop = await listener.subscribe?.("breaker", (m) => heard.push(m));
    await stranger.publish?.("breaker", "from elsewhere");
    await publisher.publish?.("breaker", "open:entra");
    await expect.poll(() => heard, { timeout: 2000 }).toEqual(["open:entra"]);
    await stop?.();
    for (const store of [listener, publisher, stranger]) await store.close();
  });

  it("borrows a client it is given: connects it if needed, and leaves it open on close", async () => {
    const client = createClient({ url: REDIS_URL });
    client.on("error", () => undefined);
    const store = redisStateStore({ client, prefix: prefixes.next() });
    await store.set("k", 1);
    expect(await store.get("k")).toBe(1);
    await store.close();
    expect(client.isOpen).toBe(true);
    expect(await client.ping()).toBe("PONG");
    await client.close();
  });
});

describe("redis state store: bad input and outages", () => {
  it("validates options when the factory is called, naming each path and never the value", () => {
    const attempt = (options: unknown) => {
      try {
        redisStateStore(options as Parameters<typeof redisStateStore>[0]);
      } catch (e) {
        return e as IdSwitchError;
      }
      throw new Error("accepted");
    };
    const error = attempt({ url: "http://:hunter2@x", connectTimeoutMs: 0 });
    expect(error.code).toBe("config_invalid");
    expect(error.issues?.map((i) => i.path)).toEqual([
      "redisStateStore.url",
      "redisStateStore.connectTimeoutMs",
    ]);
    expect(error.message).not.toContain("hunter2");
    expect(attempt({ prefix: "x" }).issues?.map((i) => i.path)).toEqual(["redisStateStore.client"]);
  });

  it("reports a refused connection as provider_unavailable at the call, quickly, without the password", async () => {
    const port = await closedLoopbackPort();
    const store = redisStateStore({ url: `redis://:hunter2@127.0.0.1:${port}` });
    const started = Date.now();
    const error = await idSwitchErrorOf(store.take("login"));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error.code).toBe("provider_unavailable");
    expect(error.reason).toBe("store");
    expect(error.message).toBe("the redis state store is unavailable (ECONNREFUSED)");
    expect(JSON.stringify(error)).not.toContain("hunter2");
    // A second call tries again rather than reusing a dead connection attempt.
    expect((await idSwitchErrorOf(store.get("k"))).code).toBe("provider_unavailable");
    expect((await idSwitchErrorOf(store.subscribe?.("c", () => undefined) ?? Promise.resolve())).code).toBe(
      "provider_unavailable",
    );
    await store.close();
  });

  it("gives up on a server that accepts but never answers after the connect timeout", async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as { port: number };
    const store = redisStateStore({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 200 });
    const started = Date.now();
    const error = await idSwitchErrorOf(store.get("k"));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error.code).toBe("provider_unavailable");
    expect(error.message).toBe("the redis state store is unavailable (ETIMEDOUT)");
    await store.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it("fails fast while the server is away, and recovers when it is back", async () => {
    const url = new URL(REDIS_URL);
    const proxy = new TcpProxy(url.hostname, Number(url.port || 6379));
    await proxy.start();
    const store = redisStateStore({ url: `redis://127.0.0.1:${proxy.port}`, prefix: prefixes.next() });
    await store.set("k", "before");
    await proxy.cut();
    const started = Date.now();
    const error = await idSwitchErrorOf(store.get("k"));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error.code).toBe("provider_unavailable");
    await proxy.start();
    await expect.poll(() => store.get("k").catch(() => "unavailable"), { timeout: 5000 }).toBe("before");
    await store.close();
    await proxy.cut();
  });
});
