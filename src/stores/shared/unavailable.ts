/**
 * The one choke point where a driver's failure becomes an idswitch error.
 *
 * A store that cannot be reached is an outage like a provider's: the caller
 * gets `provider_unavailable` (retryable) with `reason: "store"`, never the
 * driver's raw error. The message names the store and the driver's error
 * code only — driver messages can echo hosts, users or a whole connection
 * string — and the original error stays reachable as the non-enumerable
 * `cause` for whoever debugs it.
 */
import { IdSwitchError, LinkConflictError } from "idswitch";

/** Which store failed, for the message: "sqlite link store", "redis state store". */
export type StoreName = `${"sqlite" | "postgres" | "redis"} ${"link" | "state"} store`;

/** Translates `error`; idswitch's own errors (a `LinkConflictError`, a config error) pass through unchanged. */
export function storeUnavailable(store: StoreName, error: unknown): Error {
  if (error instanceof IdSwitchError || error instanceof LinkConflictError) return error;
  return new IdSwitchError("provider_unavailable", `the ${store} is unavailable (${errorCode(error)})`, {
    reason: "store",
    cause: error,
  });
}

/** Runs `operation`, translating whatever it throws. */
export async function guarded<T>(store: StoreName, operation: () => T | Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw storeUnavailable(store, error);
  }
}

// Driver codes are short identifiers (ECONNREFUSED, SQLITE_BUSY, 57P01): safe to show.
const SAFE_CODE = /^[A-Za-z0-9_]{1,40}$/;

function errorCode(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && SAFE_CODE.test(code)) return code;
    // node-postgres reports its timeouts as plain Errors; their wording is fixed and safe.
    const message = (error as { message?: unknown }).message;
    if (typeof message === "string" && /\btimeout\b/i.test(message)) return "timeout";
    const name = (error as { name?: unknown }).name;
    // A class name says something (ConnectionTimeoutError, ClientOfflineError); plain "Error" does not.
    if (typeof name === "string" && name !== "Error" && SAFE_CODE.test(name)) return name;
  }
  return "unknown error";
}
