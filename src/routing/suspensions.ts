/**
 * Suspension marks: a provider said "no" to a person (disabled, locked) or
 * to the application itself (client suspended, tenant unavailable). Kept in
 * the StateStore with a time to live, so every app instance sharing the
 * store routes around them, and so a provider that lifts the suspension is
 * tried again later by itself.
 */
import type { ErrorCode } from "../core/errors.js";
import type { StateStore } from "../core/state-store.js";

/** Codes that suspend one person at one provider. */
export const USER_SUSPENSIONS: ReadonlySet<ErrorCode> = new Set(["account_disabled", "account_locked"]);
/** Codes that suspend the application at a provider: every user and every grant is affected. */
export const PROVIDER_SUSPENSIONS: ReadonlySet<ErrorCode> = new Set([
  "client_suspended",
  "tenant_unavailable",
]);

/**
 * A remembered suspension: which provider refused, with which code, when.
 *
 * @example
 * // JSON with a time to live in the StateStore, so every instance sharing the store routes around it.
 * const mark: SuspensionMark = { provider: "entra", code: "account_disabled", at: Date.now() };
 */
// A type alias, not an interface: it must be assignable to the store's JSON value type.
export type SuspensionMark = {
  readonly provider: string;
  readonly code: ErrorCode;
  /** Epoch ms when the provider said so. */
  readonly at: number;
};

export interface SuspensionOptions {
  /** How long a person's suspension at a provider is remembered. Default 1 h. */
  readonly userTtlMs: number;
  /** How long the application's suspension at a provider is remembered. Default 5 min. */
  readonly providerTtlMs: number;
}

export class Suspensions {
  readonly #state: StateStore;
  readonly #options: SuspensionOptions;
  readonly #now: () => number;

  constructor(state: StateStore, options: SuspensionOptions, now: () => number) {
    this.#state = state;
    this.#options = options;
    this.#now = now;
  }

  async markUser(appUserId: string, provider: string, code: ErrorCode): Promise<void> {
    await this.#state.set(userKey(appUserId, provider), this.#mark(provider, code), {
      ttlMs: this.#options.userTtlMs,
    });
  }

  async markProvider(provider: string, code: ErrorCode): Promise<void> {
    await this.#state.set(providerKey(provider), this.#mark(provider, code), {
      ttlMs: this.#options.providerTtlMs,
    });
  }

  /** The person's suspension at `provider`, if one is remembered. */
  async ofUser(appUserId: string, provider: string): Promise<SuspensionMark | undefined> {
    return this.#state.get<SuspensionMark>(userKey(appUserId, provider));
  }

  /** The application's suspension at `provider`, if one is remembered. */
  async ofProvider(provider: string): Promise<SuspensionMark | undefined> {
    return this.#state.get<SuspensionMark>(providerKey(provider));
  }

  /** A provider that works again for this person (a successful sign-in there) forgets the mark. */
  async clearUser(appUserId: string, provider: string): Promise<void> {
    await this.#state.delete(userKey(appUserId, provider));
  }

  async clearProvider(provider: string): Promise<void> {
    await this.#state.delete(providerKey(provider));
  }

  #mark(provider: string, code: ErrorCode): SuspensionMark {
    return { provider, code, at: this.#now() };
  }
}

function userKey(appUserId: string, provider: string): string {
  return `idswitch:suspended:user:${JSON.stringify([appUserId, provider])}`;
}

function providerKey(provider: string): string {
  return `idswitch:suspended:provider:${provider}`;
}
