/**
 * What an `IdSwitchError` may keep as its `cause`. The cause is hidden from
 * `JSON.stringify`, yet loggers (pino, winston, Sentry) and `util.inspect`
 * walk it, cause chain and non-enumerable members included. The lower-level
 * errors it translates carry what must never be logged: jose's claim errors
 * hold the whole claims set (`payload`), openid-client's callback errors the
 * callback's parameters (the authorization `code`), HTTP errors the response
 * (whose body may hold tokens). So every cause is rebuilt here from parts
 * known to be safe, once, when the error is made.
 */
import { redact } from "./redact.js";

/** Deeper cause chains are cut: a translated error rarely wraps more than two. */
const MAX_DEPTH = 4;

/**
 * A machine-readable code of a lower-level error: `ECONNREFUSED`,
 * `ERR_JWT_EXPIRED`, `OAUTH_RESPONSE_IS_NOT_CONFORM`, `UND_ERR_SOCKET`. A
 * `code` of any other shape (an authorization code) is not kept.
 */
const ERROR_CODE = /^[A-Z][A-Z0-9_]{1,63}$/;

/** Members of a provider's answer worth keeping for diagnosis: numbers, words, short redacted text. */
type Scalar = string | number | boolean;

/**
 * Returns a cause safe to keep: a provider answer reduced to its status,
 * error, redacted description and scalar details; an error rebuilt from its
 * name, redacted message, code and (recursively) cause; a string redacted.
 * Anything else — a claims set, search parameters, a Response, an unknown
 * object — is dropped.
 */
export function safeCause(cause: unknown, depth = 0): unknown {
  if (cause === undefined || cause === null || depth > MAX_DEPTH) return undefined;
  if (typeof cause === "string") return redact(cause);
  if (cause instanceof Error) return madeSafe.has(cause) ? cause : safeError(cause, depth);
  if (isAnswer(cause)) return safeAnswer(cause);
  return undefined;
}

/** Errors made by idswitch: their cause went through here when they were made. */
const madeSafe = new WeakSet<Error>();

/** Records that `error` holds only what {@link safeCause} kept (called by `IdSwitchError`). */
export function markSafe(error: Error): void {
  madeSafe.add(error);
}

/** A plain error with what helps diagnose (`TypeError: fetch failed` ← `ECONNREFUSED`), nothing more. */
function safeError(error: Error, depth: number): Error {
  const inner = safeCause(error.cause, depth + 1);
  const copy = new Error(redact(error.message), inner === undefined ? undefined : { cause: inner });
  copy.name = error.name;
  const code: unknown = Reflect.get(error, "code");
  if (typeof code === "string" && ERROR_CODE.test(code)) Object.assign(copy, { code });
  const status: unknown = Reflect.get(error, "status");
  if (typeof status === "number") Object.assign(copy, { status });
  // The original's frames name the failing call (the copy's would point here); its first
  // line repeats the message, so it is rebuilt from the redacted one.
  const frames = (error.stack ?? "").split("\n").filter((line) => /^\s+at /.test(line));
  copy.stack = [`${copy.name}: ${copy.message}`, ...frames].join("\n");
  return copy;
}

/** The shape of `ProviderAnswer`: an HTTP status and/or an OAuth `error`. */
function isAnswer(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) return false;
  const { status, error } = value as { status?: unknown; error?: unknown };
  return typeof status === "number" || typeof error === "string";
}

function safeAnswer(answer: Record<string, unknown>): Record<string, unknown> {
  const safe: Record<string, unknown> = {};
  if (typeof answer.status === "number") safe.status = answer.status;
  if (typeof answer.error === "string") safe.error = redact(answer.error);
  const description = answer.description ?? answer.error_description;
  if (typeof description === "string") safe.description = redact(description);
  if (typeof answer.details === "object" && answer.details !== null) {
    safe.details = scalarDetails(answer.details as Record<string, unknown>);
  }
  return safe;
}

/**
 * The scalar members of a provider's error body (its own error codes, trace
 * ids…): numbers, booleans, redacted strings and lists of them; nothing
 * nested, nothing named in `skip`.
 */
export function scalarDetails(
  body: Record<string, unknown>,
  skip: readonly string[] = [],
): Record<string, Scalar | Scalar[]> {
  const details: Record<string, Scalar | Scalar[]> = {};
  for (const [key, value] of Object.entries(body)) {
    const kept = skip.includes(key) ? undefined : safeScalar(value);
    if (kept !== undefined) details[key] = kept;
  }
  return details;
}

function safeScalar(value: unknown): Scalar | Scalar[] | undefined {
  if (typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value) && value.every((v) => ["string", "number", "boolean"].includes(typeof v))) {
    return value.map((v: Scalar) => (typeof v === "string" ? redact(v) : v));
  }
  return undefined;
}
