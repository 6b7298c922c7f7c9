/**
 * One injectable runtime per instance: everything that touches the outside
 * world or the clock goes through here, so tests and emulators inject a fetch
 * or a clock instead of patching globals or mocking modules.
 */

/**
 * The `fetch` a provider makes every network call through (`runtime.fetch`); tests and emulators inject one.
 *
 * @example
 * // Wrap the fetch of one provider instead of patching the global one.
 * const timed: FetchLike = async (input, init) => {
 *   const started = performance.now();
 *   try {
 *     return await fetch(input, init);
 *   } finally {
 *     metrics.observe("idp_fetch_ms", performance.now() - started);
 *   }
 * };
 * const eu = keycloak({ id: "eu", issuer, clientId, runtime: { fetch: timed } });
 */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * The symbol-keyed member of a fetch's `init` that carries a connect budget in milliseconds, and the
 * property by which a fetch declares it honours that member (`fetch[CONNECT_TIMEOUT_MS] === true`).
 * A registered symbol (`Symbol.for`), so every copy of the library sees the same one; a web fetch
 * ignores it. `nodeFetch()` from `idswitch/node` honours it (and exports the same symbol).
 */
export const CONNECT_TIMEOUT_MS: unique symbol = Symbol.for("idswitch.connectTimeoutMs");

/**
 * Where the library writes diagnostics; silent unless the app passes one (`runtime.logger`). Fields never carry tokens or secrets.
 *
 * @example
 * const eu = keycloak({ id: "eu", issuer, clientId, runtime: { logger: console } });
 */
export interface Logger {
  /** Detail for troubleshooting. */
  debug(message: string, fields?: Record<string, unknown>): void;
  /** A normal event worth recording. */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Something degraded but handled (a stale key set served, a probe failed). */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** A failure the app should look at. */
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * The resolved runtime of one provider or store: what every network call and clock read goes through.
 *
 * @example
 * // What a provider resolves `runtime: {}` to: web-standard defaults, nothing logged.
 * const defaults: Runtime = {
 *   fetch: (input, init) => globalThis.fetch(input, init),
 *   now: Date.now,
 *   timeoutMs: 5_000,
 *   connectTimeoutMs: undefined,
 *   logger: { debug() {}, info() {}, warn() {}, error() {} },
 * };
 */
export interface Runtime {
  /** The fetch every network call goes through (openid-client and jose included). */
  readonly fetch: FetchLike;
  /** The current time in epoch milliseconds. */
  readonly now: () => number;
  /** Budget of one network call, in milliseconds: from the call until its answer (connect included). */
  readonly timeoutMs: number;
  /**
   * Budget of the connect phase of a new connection (DNS, TCP, TLS handshake), in milliseconds; `undefined`
   * when not set (then a `nodeFetch()` applies its own default and a web fetch has none).
   */
  readonly connectTimeoutMs?: number | undefined;
  /** Silent unless the app passes one. */
  readonly logger: Logger;
}

/**
 * Injects `fetch`, a clock, a timeout and a logger (`runtime` option of each provider); each falls back to a web-standard default.
 *
 * @example
 * const eu = keycloak({ id: "eu", issuer, clientId, runtime: { timeoutMs: 3000, now: () => clock.now() } });
 */
export interface RuntimeOptions {
  fetch?: FetchLike | undefined;
  /** The current time in epoch milliseconds; default `Date.now`. */
  now?: (() => number) | undefined;
  /** Budget of one network call, connect included; default 5,000 ms (5 s). */
  timeoutMs?: number | undefined;
  /**
   * Budget of the connect phase (DNS, TCP, TLS) of a new connection. Needs a fetch that sees that phase:
   * `fetch: nodeFetch()` from `idswitch/node` (a web fetch cannot; setting it without one is a `TypeError`).
   * A connect that overruns it fails with `provider_unavailable`, reason `connect_timeout`.
   */
  connectTimeoutMs?: number | undefined;
  logger?: Logger | undefined;
}

const noop = (): void => {};

/** A logger that drops everything: library code stays quiet by default. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

/**
 * Default budget of one network call (`runtime.timeoutMs`), from the call to its answer.
 *
 * 5 s, not the 10 s it was (issue 16): a refused connection is known in about a millisecond
 * (bench/RESULTS.md, section 6), so this budget only ever ends a call that *hangs* — a connect
 * that is never answered (with a web fetch, which cannot tell that phase apart) or a provider that
 * accepted and went silent. The identity calls it bounds (discovery, JWKS, token endpoint) answer
 * in tens to hundreds of milliseconds from a healthy provider, a slow token endpoint in a second or
 * two; past 5 s the person signing in has given up, and failing over to the spare serves them
 * better than waiting longer. Raise it per provider for a provider known to be slow.
 */
export const DEFAULT_TIMEOUT_MS = 5_000;

/** Fills the gaps in `options` with web-standard defaults. */
export function createRuntime(options: RuntimeOptions = {}): Runtime {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError("runtime.timeoutMs must be a positive number of milliseconds");
  }
  // Late-bound so an app that installs its own global fetch after import is honoured.
  const base: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const connectTimeoutMs = options.connectTimeoutMs;
  let fetch = base;
  if (connectTimeoutMs !== undefined) {
    if (!Number.isFinite(connectTimeoutMs) || connectTimeoutMs <= 0) {
      throw new TypeError("runtime.connectTimeoutMs must be a positive number of milliseconds");
    }
    if (!honoursConnectTimeout(base)) {
      // Never a silently ignored budget: a web fetch cannot see the connect phase.
      throw new TypeError(
        "runtime.connectTimeoutMs needs a fetch that can see the connect phase, which a web fetch cannot: " +
          'pass `fetch: nodeFetch()` from "idswitch/node" (Node), or leave connectTimeoutMs out and rely on runtime.timeoutMs',
      );
    }
    fetch = withConnectBudget(base, connectTimeoutMs);
  }
  return Object.freeze({
    fetch,
    now: options.now ?? Date.now,
    timeoutMs,
    connectTimeoutMs,
    logger: options.logger ?? silentLogger,
  });
}

/** Whether `fetch` declared it honours `init[CONNECT_TIMEOUT_MS]` (`nodeFetch()` does). */
export function honoursConnectTimeout(fetch: FetchLike): boolean {
  return (fetch as { [CONNECT_TIMEOUT_MS]?: unknown })[CONNECT_TIMEOUT_MS] === true;
}

/**
 * `fetch` with `budget` set on every call's `init`, unless the call set its own: every request of the
 * runtime gets it (openid-client's, jose's and the library's own), whoever makes it.
 */
function withConnectBudget(fetch: FetchLike, budget: number): FetchLike {
  const bound: FetchLike = (input, init) =>
    fetch(input, {
      ...init,
      [CONNECT_TIMEOUT_MS]:
        (init as { [CONNECT_TIMEOUT_MS]?: number } | undefined)?.[CONNECT_TIMEOUT_MS] ?? budget,
    } as RequestInit);
  return Object.assign(bound, { [CONNECT_TIMEOUT_MS]: true });
}
