/**
 * What the facade tells the application: every routing decision, as a
 * typed event. Listeners run synchronously and their failures are swallowed
 * (a broken dashboard must not break sign-in).
 */

import type { RevocationSource } from "../sessions/revoker.js";
import type { ErrorCode } from "./errors.js";
import type { LinkMethod, ProviderAccount } from "./types.js";

/**
 * The events of {@link Identity.on}, by name, with their payloads.
 *
 * @example
 * identity.on("provider-down", (e) => alert(`${e.provider} is down`));
 */
export interface IdentityEvents {
  /** An operation moved from one provider to the next. */
  failover: {
    readonly operation: string;
    readonly from: string;
    readonly to: string;
    readonly code: ErrorCode;
  };
  /** A provider's breaker opened: traffic avoids it until a probe succeeds. */
  "provider-down": {
    readonly provider: string;
    readonly code: ErrorCode;
    readonly reason: string | undefined;
  };
  /** A provider's breaker closed again. */
  "provider-up": { readonly provider: string };
  /** A provider refused a person, or the application itself. */
  "account-suspended": {
    readonly provider: string;
    readonly code: ErrorCode;
    readonly scope: "user" | "provider";
    readonly appUserId: string | undefined;
  };
  /** An account was linked to an app user (a new one, or an existing one). */
  "link-created": {
    readonly appUserId: string;
    readonly account: ProviderAccount;
    readonly method: LinkMethod;
  };
  /** A provider published a different key set. */
  "key-rotated": {
    readonly provider: string;
    readonly added: readonly string[];
    readonly removed: readonly string[];
  };
  /**
   * A failover drill started or ended (`identity.drill`, `idswitch drill`):
   * the provider is treated as down for `percent` of app users until `until`.
   */
  drill: {
    readonly provider: string;
    readonly state: "started" | "ended";
    readonly percent: number;
    readonly until: number;
  };
  /**
   * A signal (back-channel logout, Shared Signals) or the application ended
   * sessions: `ended` of them, on every instance sharing the StateStore.
   * `provider` is undefined when an app user's sessions ended everywhere.
   */
  "session-revoked": {
    readonly provider: string | undefined;
    readonly source: RevocationSource;
    readonly ended: number;
  };
  /** Something works, but not as it should (stale keys in use, an in-memory link store). */
  warning: { readonly provider: string | undefined; readonly reason: string; readonly message: string };
}

/**
 * The name of an event of {@link Identity.on}.
 *
 * @example
 * const names: IdentityEventName[] = ["failover", "provider-down", "provider-up"];
 * for (const name of names) identity.on(name, (event) => log.info(name, event));
 */
export type IdentityEventName = keyof IdentityEvents;
/**
 * A listener for the event `E`.
 *
 * @example
 * // Runs synchronously and its throws are swallowed: hand slow work off rather than awaiting it here.
 * const onFailover: IdentityListener<"failover"> = (e) => metrics.count("failover", { from: e.from, to: e.to });
 * const off = identity.on("failover", onFailover);
 */
export type IdentityListener<E extends IdentityEventName> = (event: IdentityEvents[E]) => void;

export class EventBus {
  readonly #listeners = new Map<IdentityEventName, Set<(event: never) => void>>();

  on<E extends IdentityEventName>(name: E, listener: IdentityListener<E>): () => void {
    const set = this.#listeners.get(name) ?? new Set();
    set.add(listener as (event: never) => void);
    this.#listeners.set(name, set);
    return () => {
      set.delete(listener as (event: never) => void);
    };
  }

  emit<E extends IdentityEventName>(name: E, event: IdentityEvents[E]): void {
    for (const listener of this.#listeners.get(name) ?? []) {
      try {
        (listener as IdentityListener<E>)(event);
      } catch {
        // Deliberately ignored: see the module comment.
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
