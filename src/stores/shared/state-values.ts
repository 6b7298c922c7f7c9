/**
 * What every persistent StateStore shares: values travel as JSON text, and a
 * time to live is checked the way the in-memory store checks it, so a bad
 * `ttlMs` is the same programmer error on every backend.
 */
import type { SetOptions, StateValue } from "idswitch";

/** The stored form of a value. JSON text compares exactly as the in-memory store compares. */
export function encode(value: StateValue): string {
  const text = JSON.stringify(value);
  // JSON.stringify(undefined) is undefined: a caller that passes nothing has a bug.
  if (typeof text !== "string") throw new TypeError("a state value must be JSON");
  return text;
}

export function decode<T extends StateValue>(text: string | null | undefined): T | undefined {
  return text === null || text === undefined ? undefined : (JSON.parse(text) as T);
}

/** The time to live in whole milliseconds, or undefined for none; a `TypeError` for a bad one. */
export function ttlOf(options: SetOptions | undefined): number | undefined {
  const ttlMs = options?.ttlMs;
  if (ttlMs === undefined) return undefined;
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new TypeError("ttlMs must be a positive number");
  // Redis PX and integer columns take whole milliseconds; rounding up never expires early.
  return Math.ceil(ttlMs);
}

/** The increment step; a `TypeError` unless it is a finite number. */
export function stepOf(by: number | undefined): number {
  const step = by ?? 1;
  if (!Number.isFinite(step)) throw new TypeError("by must be a finite number");
  return step;
}
