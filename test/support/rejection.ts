import { expect } from "vitest";
import { IdSwitchError } from "../../src/index.js";

/** Awaits a rejection and returns it, failing the test if the promise resolved. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  const outcome = await promise.then(
    () => ({ resolved: true as const }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  expect(outcome.resolved, "expected the operation to fail").toBe(false);
  return outcome.resolved ? undefined : outcome.error;
}

/** Awaits a rejection that must be an `IdSwitchError`, and returns it typed. */
export async function idSwitchErrorOf(promise: Promise<unknown>): Promise<IdSwitchError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(IdSwitchError);
  return error as IdSwitchError;
}
