/**
 * The slice of a node-redis client the store uses, and the client it makes
 * for itself from a URL.
 *
 * Commands go through `sendCommand`, so the store needs nothing of the
 * client's typed command surface (which changes between majors and with
 * modules) and accepts any node-redis 5 or 6 client, with or without modules.
 */
import { createClient } from "redis";

/**
 * What the store needs from a node-redis client.
 *
 * @example
 * import { createClient } from "redis";
 *
 * const client = createClient({ url: env.REDIS_URL });
 * client.on("error", (err) => log.warn("redis", { err })); // node-redis reports connection errors as events
 * const state = redisStateStore({ client }); // the app's client: state.close() leaves it open
 */
export interface RedisClientLike {
  readonly isOpen: boolean;
  /** Connected and ready for commands (node-redis). */
  readonly isReady: boolean;
  /** Listens once for the connection becoming ready. */
  once(event: "ready", listener: () => void): unknown;
  /** Stops listening (a wait for readiness that timed out). */
  off(event: "ready", listener: () => void): unknown;
  /** Opens the connection. */
  connect(): Promise<unknown>;
  /** Sends one raw command. */
  sendCommand(args: ReadonlyArray<string>, options?: { timeout?: number }): Promise<unknown>;
  /** A new client with the same options (for SUBSCRIBE). */
  // biome-ignore lint/suspicious/noExplicitAny: node-redis' duplicate() is generic over modules; any client will do.
  duplicate(): any;
  /** Closes the connection gracefully. */
  close(): Promise<void>;
  /** Closes the connection at once. */
  destroy(): void;
}

/** The subscriber connection: a duplicate of the client, used only for SUBSCRIBE. */
export interface RedisSubscriber {
  connect(): Promise<unknown>;
  on(event: "error", listener: (error: unknown) => void): unknown;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  unsubscribe(channel: string, listener: (message: string) => void): Promise<void>;
  close(): Promise<void>;
  destroy(): void;
}

/**
 * A client for `url`, tuned for a store: commands fail at once while the
 * server is away (no offline queue holding a sign-in hostage), the first
 * connection fails rather than retrying forever, and a connection lost
 * later is re-established in the background with capped backoff.
 */
export function ownClient(url: string, connectTimeoutMs: number): RedisClientLike {
  let everReady = false;
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: connectTimeoutMs,
      reconnectStrategy: (retries) => (everReady ? Math.min(50 * 2 ** retries, 2000) : false),
    },
  });
  client.on("ready", () => {
    everReady = true;
  });
  // node-redis emits every socket error as an event; unheard, it would crash
  // the process. The failing command reports the outage instead.
  client.on("error", () => undefined);
  return client as unknown as RedisClientLike;
}

/**
 * Connects `client` within `timeoutMs`. node-redis' own connect timeout
 * covers the TCP handshake only: a server that accepts and then says
 * nothing (a hung process, a full backlog behind a proxy) would hold the
 * first call forever. On timeout an owned client is destroyed, so its
 * half-open socket goes too.
 */
export function connectWithin(
  client: Pick<RedisClientLike, "connect" | "destroy">,
  timeoutMs: number,
  owned: boolean,
): Promise<unknown> {
  const connecting = client.connect();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      if (owned) client.destroy();
      reject(Object.assign(new Error("timed out connecting to Redis"), { code: "ETIMEDOUT" }));
    }, timeoutMs);
  });
  // Whichever loses the race must not surface as an unhandled rejection.
  connecting.catch(() => undefined);
  return Promise.race([connecting, timeout]).finally(() => clearTimeout(timer));
}

/** Waits for a client that is already connecting (or reconnecting) to become ready, within `timeoutMs`. */
export function readyWithin(
  client: Pick<RedisClientLike, "isReady" | "once" | "off">,
  timeoutMs: number,
): Promise<unknown> {
  if (client.isReady) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve(undefined);
    };
    const timer = setTimeout(() => {
      client.off("ready", onReady);
      reject(Object.assign(new Error("timed out waiting for Redis"), { code: "ETIMEDOUT" }));
    }, timeoutMs);
    client.once("ready", onReady);
  });
}
