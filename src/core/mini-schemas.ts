/**
 * The zod building blocks every options schema of the root entry is made of,
 * so that one concept has one meaning wherever it is checked: what a
 * StateStore is, what a `runtime` accepts, what an issuer URL is. Parsing,
 * and the wording of the `config_invalid` error, belong to config.ts.
 *
 * Written with `zod/mini`: its functions tree-shake, where classic zod's
 * chained methods bring the whole library (≈ 450 KB minified) into every
 * edge bundle. The entries that run on Node and already use classic zod
 * (stores, integrations, directory) get the same blocks as classic schemas
 * from schemas.ts, built from the predicates and messages exported here.
 *
 * Schemas only: no classes and no state.
 */
import * as z from "zod/mini";
import type { FetchLike, Logger } from "./runtime.js";
import type { StateStore } from "./state-store.js";

/**
 * A function, checked only for being one (zod cannot see a signature).
 *
 * @example
 * const options = z.strictObject({ now: z.optional(callable<() => number>()) });
 */
export function callable<F>(message = "must be a function") {
  return z.custom<F>(isFunction, message);
}

/** Whether `value` is a function: {@link callable}'s test. */
export function isFunction(value: unknown): boolean {
  return typeof value === "function";
}

/**
 * An object that has every one of `methods`: how a store or a provider passed
 * in by the app is recognised (duck typing; the type says the rest).
 *
 * @example
 * const linkStore = objectWith<LinkStore>(["find", "findOrCreate"], "must be a LinkStore");
 */
export function objectWith<T>(methods: readonly string[], message: string) {
  return z.custom<T>((value) => hasMethods(value, methods), message);
}

/** Whether `value` is an object with every one of `methods`: {@link objectWith}'s test. */
export function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    methods.every((m) => typeof (value as Record<string, unknown>)[m] === "function")
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

/** What a value that is not a {@link StateStore} is told. */
export const STATE_STORE_MESSAGE = `must be a StateStore (${STATE_STORE_METHODS.join(", ")})`;

/**
 * A {@link StateStore}: the same check wherever one is passed in (`createIdentity`'s
 * `state`, the integrations' `session.store`, the mirror's `state`), even where
 * the caller uses only some of its methods, so a store that passes one passes all.
 *
 * @example
 * const options = z.strictObject({ state: z.optional(stateStoreSchema) });
 */
export const stateStoreSchema = objectWith<StateStore>(STATE_STORE_METHODS, STATE_STORE_MESSAGE);

/** A clock: the current time in epoch milliseconds. */
export const clockSchema = callable<() => number>();

/**
 * Seconds, above zero and at most `max`: a time to live or a lifetime.
 *
 * @example
 * const options = z.strictObject({ userSuspensionSeconds: z._default(positiveSeconds(7 * 24 * 3600), 3600) });
 */
export function positiveSeconds(max: number) {
  return z.number().check(z.positive(), z.lte(max));
}

/**
 * The longest budget of one network call, in milliseconds. Five minutes: a
 * call that has not answered by then is an outage whatever is asked, and a
 * larger value is a unit mistake (seconds meant as milliseconds, or minutes).
 */
export const MAX_TIMEOUT_MS = 300_000;

/** The budget of one network call, in milliseconds: a whole number, at most {@link MAX_TIMEOUT_MS}. */
export const timeoutMsSchema = z.int().check(z.positive(), z.lte(MAX_TIMEOUT_MS));

/** Whether `value` can be a logger (its methods are looked up when used). */
export function isLogger(value: unknown): boolean {
  return typeof value === "object" && value !== null;
}

/**
 * The `runtime` option of every provider and directory client (`RuntimeOptions`):
 * the fetch, the clock, the network budget and the logger.
 *
 * @example
 * const options = z.strictObject({ runtime: z.optional(runtimeOptionsSchema) });
 */
export const runtimeOptionsSchema = z.strictObject({
  fetch: z.optional(callable<FetchLike>()),
  /** The current time in epoch milliseconds; default `Date.now`. */
  now: z.optional(clockSchema),
  timeoutMs: z.optional(timeoutMsSchema),
  connectTimeoutMs: z.optional(timeoutMsSchema),
  logger: z.optional(z.custom<Logger>(isLogger, "must be a logger")),
});

/** What an empty (or all white space) string is told. */
export const EMPTY_MESSAGE = "must not be empty";

/** A non-empty string, surrounding white space ignored. */
export const nonEmpty = z.string().check(z.trim(), z.minLength(1, EMPTY_MESSAGE));

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
export const issuerUrl = z.string().check(
  z.superRefine((value, ctx) => {
    const problem = issuerProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
);

/** What is wrong with `value` as an issuer identifier, if anything: {@link issuerUrl}'s test. */
export function issuerProblem(value: string): string | undefined {
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
export const httpUrl = z
  .string()
  .check(z.refine((value: string) => httpUrlOf(value) !== undefined, NOT_HTTP_URL));

/** An absolute http(s) URL the provider redirects a browser to. */
export const redirectUrl = z.string().check(
  z.superRefine((value, ctx) => {
    const url = httpUrlOf(value);
    if (!url) {
      ctx.addIssue({ code: "custom", message: NOT_HTTP_URL });
    } else if (url.hash) {
      ctx.addIssue({ code: "custom", message: "must not have a fragment (RFC 6749 §3.1.2)" });
    }
  }),
);

/** A configured provider id: short, stable, safe in URLs, logs and store keys. */
export const providerId = z
  .string()
  .check(z.regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be 1-63 lowercase letters, digits, '-' or '_'"));

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
  .check(z.minLength(1, "must list at least one algorithm"));

/**
 * `schema` with a description, which the JSON Schema of the configuration
 * file shows in editors (classic zod's `.describe()`).
 *
 * @example
 * const timeoutMs = described(z.optional(timeoutMsSchema), "Budget of one network call, in milliseconds.");
 */
export function described<S extends z.ZodMiniType>(schema: S, description: string): S {
  z.globalRegistry.add(schema, { description });
  return schema;
}
