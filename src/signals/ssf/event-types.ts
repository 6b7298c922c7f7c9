/**
 * The event types a Shared Signals receiver knows by name (SSF 1.0,
 * CAEP 1.0 and RISC 1.0 event types). Every other type is acknowledged and
 * ignored: a signal can only take access away, so an event we cannot read
 * costs nothing but itself.
 */

const CAEP = "https://schemas.openid.net/secevent/caep/event-type/";
const RISC = "https://schemas.openid.net/secevent/risc/event-type/";
const SSF = "https://schemas.openid.net/secevent/ssf/event-type/";

/**
 * The event type URIs idswitch acts on or acknowledges, by short name.
 *
 * @example
 * const requested = [SSF_EVENT_TYPES.sessionRevoked, SSF_EVENT_TYPES.credentialChange];
 */
export const SSF_EVENT_TYPES = Object.freeze({
  /** CAEP 1.0 "Session Revoked": a session (or, with Keycloak's id `ALL`, every session) of the subject ended. */
  sessionRevoked: `${CAEP}session-revoked`,
  /** CAEP 1.0 "Credential Change": a credential of the subject was created, changed, revoked or deleted. */
  credentialChange: `${CAEP}credential-change`,
  /** RISC 1.0 "Account Disabled": the account was disabled. */
  accountDisabled: `${RISC}account-disabled`,
  /** RISC 1.0 "Account Purged": the account was deleted for good. */
  accountPurged: `${RISC}account-purged`,
  /** RISC 1.0 "Account Credential Change Required": the person must change credentials before signing in again. */
  accountCredentialChangeRequired: `${RISC}account-credential-change-required`,
  /** RISC 1.0 "Sessions Revoked": every session of the account was revoked. */
  sessionsRevoked: `${RISC}sessions-revoked`,
  /** SSF 1.0 "Verification" event: the answer to a verification request; proves the stream works, changes nothing. */
  verification: `${SSF}verification`,
  /** SSF 1.0 "Stream Updated" event: the transmitter changed the stream's status; changes nothing here. */
  streamUpdated: `${SSF}stream-updated`,
});

/**
 * The event types a stream asks for when the app does not choose: the ones
 * idswitch acts on.
 *
 * @example
 * const stream = { events_requested: [...DEFAULT_EVENTS_REQUESTED] };
 */
export const DEFAULT_EVENTS_REQUESTED: readonly string[] = Object.freeze([
  SSF_EVENT_TYPES.sessionRevoked,
  SSF_EVENT_TYPES.credentialChange,
  SSF_EVENT_TYPES.accountDisabled,
  SSF_EVENT_TYPES.accountPurged,
  SSF_EVENT_TYPES.accountCredentialChangeRequired,
  SSF_EVENT_TYPES.sessionsRevoked,
]);
