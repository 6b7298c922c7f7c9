/**
 * What a revocation signal may ask of the session index: end the sessions a
 * provider names, and — when that provider speaks for the organisation
 * (`routing.authority`) — record a disable or deletion as the binding
 * decision. Receivers of signals (back-channel logout, Shared Signals) talk to
 * this and nothing else: a signal can end access, never grant any.
 */

/**
 * The sessions a signal names, at one provider: by the provider's session id
 * (`sid`), by the person (`subject`), or both (then a session must match both).
 *
 * @example
 * // Keycloak's back-channel logout token names one session of one person:
 * const target: RevocationTarget = { provider: "eu", sid: "RtdM0eYebr_jfZlMuxRmOvla", subject: "e9fffe4a-…" };
 */
export interface RevocationTarget {
  /** The configured provider id whose sessions end. */
  readonly provider: string;
  /** The provider's session id (the ID token's `sid`). */
  readonly sid?: string | undefined;
  /** The provider's immutable id of the person (Keycloak `sub`, Entra `oid`): the principal's `subject`. */
  readonly subject?: string | undefined;
  /**
   * When the provider said it, in epoch seconds of its own clock (the
   * logout token's or the SET's `iat`, CAEP's `event_timestamp`). Sessions
   * the provider issued up to that second end — also one recorded only
   * after the signal arrived; one issued later is a new sign-in and stands,
   * however late the signal comes. Default: the receiver's clock.
   */
  readonly issuedAt?: number | undefined;
}

/**
 * Which signal ended a session: kept with the revocation and reported in the `session-revoked` event.
 *
 * @example
 * identity.on("session-revoked", (e) => audit.record(e.provider ?? "every provider", e.source, String(e.ended)));
 */
export type RevocationSource =
  /** OpenID Back-Channel Logout 1.0. */
  | "backchannel_logout"
  /** CAEP `session-revoked`. */
  | "session_revoked"
  /** CAEP `credential-change`, RISC `account-credential-change-required`. */
  | "credential_change"
  /** RISC `sessions-revoked`. */
  | "sessions_revoked"
  /** RISC `account-disabled`. */
  | "account_disabled"
  /** RISC `account-purged`. */
  | "account_purged"
  /** A resource refused the session's access token with a claims challenge (Entra CAE): `identity.claimsChallenge`. */
  | "claims_challenge"
  /**
   * An authority (`routing.authority`) answered that the organisation disabled
   * or deleted the person; `identity.isRevoked` asks, as no signal tells.
   */
  | "authority"
  /** The application ended them (`identity.revokeSessions`). */
  | "application";

/**
 * The session index as a signal receiver sees it.
 *
 * @example
 * // What a receiver of signals does with a verified "log out all sessions" of a person at Keycloak:
 * const ended = await revoker.end({ provider: "eu", subject: "e9fffe4a-…" }, "session_revoked");
 */
export interface SessionRevoker {
  /** Ends every indexed session of `target`; resolves to how many ended (0 when none was known). */
  end(target: RevocationTarget, source: RevocationSource): Promise<number>;
  /**
   * The provider says the account is disabled or deleted. From an authority
   * (`routing.authority`) that is the binding decision for the app user linked
   * to the account; from any provider, the account's sessions there end.
   * Resolves to how many sessions ended.
   */
  accountDecided(
    target: RevocationTarget & { readonly subject: string },
    status: "disabled" | "deleted",
    source: RevocationSource,
  ): Promise<number>;
}
