/**
 * The StateStore on Redis: suspension marks, breaker state and logins in
 * flight shared by every app instance, with notifications.
 *
 * Each operation is one Redis command or one Lua script, so each is atomic
 * for every client: SET … PX for time to live, SET NX for add, GETDEL for
 * take, scripts for increment and compare-and-set. Publish/subscribe uses a
 * second connection (a subscribed connection can run nothing else), opened
 * on the first `subscribe`.
 */
import { parseConfig, type SetOptions, type StateStore, type StateValue } from "idswitch";
import { z } from "zod";
import { decode, encode, stepOf, ttlOf } from "../shared/state-values.js";
import { guarded } from "../shared/unavailable.js";
import {
  connectWithin,
  ownClient,
  type RedisClientLike,
  type RedisSubscriber,
  readyWithin,
} from "./client.js";
import { COMPARE_AND_SET, INCREMENT, runScript } from "./scripts.js";

const STORE = "redis state store";

/**
 * Options of `redisStateStore`: exactly one of `client` or `url`.
 *
 * @example
 * // Several apps on one Redis: a prefix each, so keys and channels never collide.
 * const options: RedisStateStoreOptions = { url: env.REDIS_URL, prefix: "orders:idswitch:", commandTimeoutMs: 2000 };
 * const state = redisStateStore(options);
 */
export type RedisStateStoreOptions = (
  | {
      /**
       * A node-redis 5 or 6 client the application owns: connected by the store if
       * not yet open, and left open by `close()`. Give it an `error` listener —
       * node-redis emits connection errors as events.
       */
      readonly client: RedisClientLike;
      readonly url?: undefined;
    }
  | {
      /** `redis://[:password@]host:6379[/db]`: the store makes its own client and `close()` ends it. */
      readonly url: string;
      readonly client?: undefined;
    }
) & {
  /** Prepended to every key and channel (default `"idswitch:"`), so idswitch shares a Redis politely. */
  readonly prefix?: string | undefined;
  /** How long to wait for a connection, handshake included (default 5000 ms). */
  readonly connectTimeoutMs?: number | undefined;
  /** How long one command may take before it fails (default 5000 ms). */
  readonly commandTimeoutMs?: number | undefined;
};

const schema = z
  .strictObject({
    client: z
      .custom<RedisClientLike>(
        (v) => typeof v === "object" && v !== null && "sendCommand" in v,
        "must be a node-redis client",
      )
      .optional(),
    url: z
      .string()
      .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
      .optional(),
    prefix: z.string().optional(),
    connectTimeoutMs: z.number().int().positive().optional(),
    commandTimeoutMs: z.number().int().positive().optional(),
  })
  .refine((o) => (o.client === undefined) !== (o.url === undefined), {
    message: "give exactly one of client or url",
    path: ["client"],
  });

/**
 * A StateStore on Redis (6.2 or later: it uses GETDEL), shared by every app instance.
 *
 * @example
 * import { createIdentity } from "idswitch";
 * import { redisStateStore } from "idswitch/stores/redis";
 *
 * const state = redisStateStore({ url: env.REDIS_URL, prefix: "myapp:idswitch:" });
 * const identity = createIdentity({ providers, state });
 */
export function redisStateStore(options: RedisStateStoreOptions): StateStore & {
  /** Closes the database or connection; the store is unusable afterwards. */
  close(): Promise<void>;
} {
  const parsed = parseConfig(schema, options, "redisStateStore");
  const connectTimeoutMs = parsed.connectTimeoutMs ?? 5000;
  return new RedisStateStore({
    client: parsed.client ?? ownClient(parsed.url as string, connectTimeoutMs),
    owned: parsed.client === undefined,
    prefix: parsed.prefix ?? "idswitch:",
    connectTimeoutMs,
    commandTimeoutMs: parsed.commandTimeoutMs ?? 5000,
  });
}

interface Settings {
  readonly client: RedisClientLike;
  readonly owned: boolean;
  readonly prefix: string;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
}

class RedisStateStore implements StateStore {
  readonly #client: RedisClientLike;
  readonly #settings: Settings;
  readonly #prefix: string;
  #connecting: Promise<unknown> | undefined;
  #subscriber: Promise<RedisSubscriber> | undefined;

  constructor(settings: Settings) {
    this.#settings = settings;
    this.#client = settings.client;
    this.#prefix = settings.prefix;
  }

  async get<T extends StateValue = StateValue>(key: string): Promise<T | undefined> {
    return decode<T>((await this.#send(["GET", this.#key(key)])) as string | null);
  }

  async set(key: string, value: StateValue, options?: SetOptions): Promise<void> {
    await this.#send(["SET", this.#key(key), encode(value), ...px(ttlOf(options))]);
  }

  async delete(key: string): Promise<void> {
    await this.#send(["DEL", this.#key(key)]);
  }

  async add(key: string, value: StateValue, options?: SetOptions): Promise<boolean> {
    const reply = await this.#send(["SET", this.#key(key), encode(value), ...px(ttlOf(options)), "NX"]);
    return reply !== null;
  }

  async take<T extends StateValue = StateValue>(key: string): Promise<T | undefined> {
    return decode<T>((await this.#send(["GETDEL", this.#key(key)])) as string | null);
  }

  async increment(key: string, options: SetOptions & { readonly by?: number } = {}): Promise<number> {
    const step = String(stepOf(options.by));
    const ttl = ttlOf(options);
    const reply = await this.#run(() =>
      runScript(
        this.#client,
        INCREMENT,
        [this.#key(key)],
        [step, ttlArg(ttl)],
        this.#settings.commandTimeoutMs,
      ),
    );
    return Number(reply);
  }

  async compareAndSet(
    key: string,
    expected: StateValue | undefined,
    next: StateValue,
    options?: SetOptions,
  ): Promise<boolean> {
    const args = [
      expected === undefined ? "0" : "1",
      expected === undefined ? "" : encode(expected),
      encode(next),
      ttlArg(ttlOf(options)),
    ];
    const reply = await this.#run(() =>
      runScript(this.#client, COMPARE_AND_SET, [this.#key(key)], args, this.#settings.commandTimeoutMs),
    );
    return reply === 1;
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.#send(["PUBLISH", this.#key(channel), message]);
  }

  async subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>> {
    const name = this.#key(channel);
    // Each subscription gets its own function, so unsubscribing one leaves another listener of the same channel.
    const own = (message: string) => listener(message);
    const subscriber = await guarded(STORE, () => this.#subscriberConnection());
    await guarded(STORE, () => subscriber.subscribe(name, own));
    return () => guarded(STORE, () => subscriber.unsubscribe(name, own));
  }

  async close(): Promise<void> {
    const subscriber = await this.#subscriber?.catch(() => undefined);
    await subscriber?.close().catch(() => undefined);
    if (this.#settings.owned && this.#client.isOpen) await this.#client.close();
  }

  #key(key: string): string {
    return this.#prefix + key;
  }

  #send(args: string[]): Promise<unknown> {
    return this.#run(() => this.#client.sendCommand(args, { timeout: this.#settings.commandTimeoutMs }));
  }

  #run<T>(command: () => Promise<T>): Promise<T> {
    return guarded(STORE, async () => {
      await this.#connected();
      return command();
    });
  }

  /** Connects on first use; a failed connection is tried again by the next call. */
  #connected(): Promise<unknown> {
    // `isOpen` turns true as soon as connect() starts; only `isReady` means commands may be
    // sent (there is no offline queue): concurrent first calls wait on the one connection.
    if (this.#client.isReady) return Promise.resolve();
    if (this.#connecting) return this.#connecting;
    const { connectTimeoutMs, owned } = this.#settings;
    const connecting = this.#client.isOpen
      ? readyWithin(this.#client, connectTimeoutMs) // reconnecting on its own, or the app is connecting it
      : connectWithin(this.#client, connectTimeoutMs, owned);
    this.#connecting = connecting.finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  #subscriberConnection(): Promise<RedisSubscriber> {
    this.#subscriber ??= (async () => {
      await this.#connected();
      const subscriber = this.#client.duplicate() as RedisSubscriber;
      subscriber.on("error", () => undefined);
      await connectWithin(subscriber, this.#settings.connectTimeoutMs, true);
      return subscriber;
    })().catch((error: unknown) => {
      this.#subscriber = undefined;
      throw error;
    });
    return this.#subscriber;
  }
}

function px(ttl: number | undefined): string[] {
  return ttl === undefined ? [] : ["PX", String(ttl)];
}

function ttlArg(ttl: number | undefined): string {
  return ttl === undefined ? "" : String(ttl);
}
