/**
 * The building blocks of mini-schemas.ts as classic zod schemas, for the
 * entries that run on Node and already use classic zod's chained methods
 * (`nonEmpty.default("default")`): the stores, the integrations and the
 * directory mirror. Same predicates, same messages, so a StateStore or a
 * clock is checked the same way everywhere. The root entry never imports
 * this file: classic zod would bring the whole library into edge bundles.
 *
 * Schemas only: no classes and no state. The stores and the integrations,
 * which reach the rest of the core through the public entry (one
 * `IdSwitchError` class), may import this file directly; a copy of it in their
 * bundles is harmless.
 */
import { z } from "zod";
import {
  EMPTY_MESSAGE,
  hasMethods,
  isFunction,
  isLogger,
  MAX_TIMEOUT_MS,
  STATE_STORE_MESSAGE,
  STATE_STORE_METHODS,
} from "./mini-schemas.js";
import type { FetchLike, Logger } from "./runtime.js";
import type { StateStore } from "./state-store.js";

export { STATE_STORE_METHODS };

/**
 * A function, checked only for being one (zod cannot see a signature).
 *
 * @example
 * const options = z.strictObject({ now: callable<() => number>().optional() });
 */
export function callable<F>(message = "must be a function") {
  return z.custom<F>(isFunction, message);
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

/**
 * A {@link StateStore}, as mini-schemas.ts checks one.
 *
 * @example
 * const options = z.strictObject({ state: stateStoreSchema.optional() });
 */
export const stateStoreSchema = objectWith<StateStore>(STATE_STORE_METHODS, STATE_STORE_MESSAGE);

/** A clock: the current time in epoch milliseconds. */
export const clockSchema = callable<() => number>();

/** The budget of one network call, in milliseconds (mini-schemas.ts: `MAX_TIMEOUT_MS`). */
export const timeoutMsSchema = z.number().int().positive().max(MAX_TIMEOUT_MS);

/**
 * The `runtime` option of every provider and directory client (`RuntimeOptions`).
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
  logger: z.custom<Logger>(isLogger, "must be a logger").optional(),
});

/** A non-empty string, surrounding white space ignored. */
export const nonEmpty = z.string().trim().min(1, EMPTY_MESSAGE);
