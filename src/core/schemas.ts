/**
 * The zod building blocks every options schema is made of, so that one
 * concept has one meaning wherever it is checked: what a StateStore is, what
 * a `runtime` accepts, what an issuer URL is. Parsing, and the wording of
 * the `config_invalid` error, belong to config.ts.
 *
 * Schemas only: no classes and no state. The stores and the integrations,
 * which reach the rest of the core through the public entry (one
 * `IdSwitchError` class), may import this file directly; a copy of it in their
 * bundles is harmless.
 */
import { z } from "zod";
import type { FetchLike, Logger } from "./runtime.js";
import type { StateStore } from "./state-store.js";

/**
 * A function, checked only for being one (zod cannot see a signature).
 *
 * @example
 * const options = z.strictObject({ now: callable<() => number>().optional() });
 */
export function callable<F>(message = "must be a function") {
  return z.custom<F>((value) => typeof value === "function", message);
}

/**
 * An object that has every one of `methods`: how a store or a provider passed
 * in by the app is recognised (duck typing; the type says the rest).
 *
 * @example
 * const linkStore = objectWith<LinkStore>(["find", "findOrCreate"], "must be a LinkStore");
 */
export function objectWith<T>(methods: readonly string[], message: string) {
  return z.custom<T>(
    (value) =>
      typeof value === "object" &&
      value !== null &&
      methods.every((m) => typeof (value as Record<string, unknown>)[m] === "function"),
    message,
  );
}

/** The methods every {@link StateStore} has; `publish`, `subscribe` and `close` are optional. */
export const STATE_STORE_METHODS = [
  "get",
  "set",
  "delete",
  "add",
  "take",
  "increment",
  "compareAndSet",
] as const satisfies readonly (keyof StateStore)[];

/**
 * A {@link StateStore}: the same check wherever one is passed in (`createIdentity`'s
 * `state`, the integrations' `session.store`, the mirror's `state`), even where
 * the caller uses only some of its methods, so a store that passes one passes all.
 *
 * @example
 * const options = z.strictObject({ state: stateStoreSchema.optional() });
 */
export const stateStoreSchema = objectWith<StateStore>(
  STATE_STORE_METHODS,
  `must be a StateStore (${STATE_STORE_METHODS.join(", ")})`,
);

/** A clock: the current time in epoch milliseconds. */
export const clockSchema = callable<() => number>();

/**
 * Seconds, above zero and at most `max`: a time to live or a lifetime.
 *
 * @example
 * const options = z.strictObject({ userSuspensionSeconds: positiveSeconds(7 * 24 * 3600).default(3600) });
 */
export function positiveSeconds(max: number) {
  return z.number().positive().max(max);
}

/**
 * The budget of one network call, in milliseconds. Five minutes at most: a
 * call that has not answered by then is an outage whatever is asked, and a
 * larger value is a unit mistake (seconds meant as milliseconds, or minutes).
 */
export const timeoutMsSchema = z.number().int().positive().max(300_000);

/**
 * The `runtime` option of every provider and directory client (`RuntimeOptions`):
 * the fetch, the clock, the network budget and the logger.
 *
 * @example
 * const options = z.strictObject({ runtime: runtimeOptionsSchema.optional() });
 */
export const runtimeOptionsSchema = z.strictObject({
  fetch: callable<FetchLike>().optional(),
  /** The current time in epoch milliseconds; default `Date.now`. */
  now: clockSchema.optional(),
  timeoutMs: timeoutMsSchema.optional(),
  connectTimeoutMs: timeoutMsSchema.optional(),
  logger: z.custom<Logger>((v) => typeof v === "object" && v !== null, "must be a logger").optional(),
});

/** A non-empty string, surrounding white space ignored. */
export const nonEmpty = z.string().trim().min(1, "must not be empty");

const LOOPBACK_HOSTS = new Set(["localhost", "[::1]"]);

/** `localhost`, `*.localhost`, 127.0.0.0/8 and ::1: traffic that never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  return (
    LOOPBACK_HOSTS.has(hostname) || hostname.endsWith(".localhost") || /^127(?:\.\d{1,3}){3}$/.test(hostname)
  );
}

/**
 * An OpenID Connect issuer identifier (OIDC Discovery §2): an absolute https
 * URL without query or fragment. Plain http only on loopback, for development
 * and tests. The full well-known URL is refused with a hint, since discovery
 * derives it and an issuer compared against `iss` must be the bare one.
 */
export const issuerUrl = z.string().superRefine((value, ctx) => {
  const problem = issuerProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

function issuerProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an absolute URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an https URL";
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    return "must use https (plain http is allowed for localhost/127.0.0.1 only)";
  }
  if (url.search || url.hash) return "must not have a query or fragment";
  if (url.username || url.password) return "must not carry credentials";
  if (url.pathname.includes("/.well-known/")) {
    return "must be the bare issuer, not the discovery document URL (drop /.well-known/…)";
  }
  return undefined;
}

/** `value` as a URL when it is an absolute http(s) one. */
function httpUrlOf(value: string): URL | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  return url.protocol === "https:" || url.protocol === "http:" ? url : undefined;
}

const NOT_HTTP_URL = "must be an absolute http(s) URL";

/** An absolute http(s) URL (an endpoint the library calls). */
export const httpUrl = z.string().refine((value) => httpUrlOf(value) !== undefined, NOT_HTTP_URL);

/** An absolute http(s) URL the provider redirects a browser to. */
export const redirectUrl = z.string().superRefine((value, ctx) => {
  const url = httpUrlOf(value);
  if (!url) {
    ctx.addIssue({ code: "custom", message: NOT_HTTP_URL });
  } else if (url.hash) {
    ctx.addIssue({ code: "custom", message: "must not have a fragment (RFC 6749 §3.1.2)" });
  }
});

/** A configured provider id: short, stable, safe in URLs, logs and store keys. */
export const providerId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be 1-63 lowercase letters, digits, '-' or '_'");

/** JWS algorithms a verifier may accept. `none` and HMAC are never allowed for provider tokens. */
export const ASYMMETRIC_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
] as const;

/** A non-empty allow list of asymmetric JWS algorithms. */
export const algorithmList = z
  .array(
    z.enum(ASYMMETRIC_ALGORITHMS, { message: "must be an asymmetric JWS algorithm (no 'none', no HS*)" }),
  )
  .min(1, "must list at least one algorithm");
