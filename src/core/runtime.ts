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
 *   timeoutMs: 10_000,
 *   logger: { debug() {}, info() {}, warn() {}, error() {} },
 * };
 */
export interface Runtime {
  /** The fetch every network call goes through (openid-client and jose included). */
  readonly fetch: FetchLike;
  /** The current time in epoch milliseconds. */
  readonly now: () => number;
  /** Budget of one network call, in milliseconds. */
  readonly timeoutMs: number;
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
  timeoutMs?: number | undefined;
  logger?: Logger | undefined;
}

const noop = (): void => {};

/** A logger that drops everything: library code stays quiet by default. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

export const DEFAULT_TIMEOUT_MS = 10_000;

/** Fills the gaps in `options` with web-standard defaults. */
export function createRuntime(options: RuntimeOptions = {}): Runtime {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError("runtime.timeoutMs must be a positive number of milliseconds");
  }
  return Object.freeze({
    // Late-bound so an app that installs its own global fetch after import is honoured.
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    now: options.now ?? Date.now,
    timeoutMs,
    logger: options.logger ?? silentLogger,
  });
}
