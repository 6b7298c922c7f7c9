/**
 * What each known event does to the session index. Every action only ends
 * access: sessions end, or an authority's disable or deletion is recorded. No
 * event type creates, extends or restores anything.
 */
import type { RevocationSource, SessionRevoker } from "../../sessions/revoker.js";
import { SSF_EVENT_TYPES } from "./event-types.js";
import { mapSubject } from "./subject.js";

/** What became of one event of a verified SET. */
export interface EventOutcome {
  readonly eventType: string;
  readonly outcome: "received" | "ignored";
  readonly reason?: string | undefined;
  readonly ended?: number | undefined;
  readonly verificationState?: string | undefined;
}

/** Where the SET came from: the provider whose sessions its events name. */
export interface EventContext {
  readonly provider: string;
  /** The provider's issuer: the only `iss` a subject may carry. */
  readonly issuer: string;
  readonly revoker: SessionRevoker;
}

type Action =
  | { readonly kind: "end"; readonly source: RevocationSource; readonly session: boolean }
  | { readonly kind: "decide"; readonly status: "disabled" | "deleted"; readonly source: RevocationSource };

const ACTIONS: ReadonlyMap<string, Action> = new Map<string, Action>([
  // The only event that may name one session; the others end every session of the person.
  [SSF_EVENT_TYPES.sessionRevoked, { kind: "end", source: "session_revoked", session: true }],
  [SSF_EVENT_TYPES.credentialChange, { kind: "end", source: "credential_change", session: false }],
  [
    SSF_EVENT_TYPES.accountCredentialChangeRequired,
    { kind: "end", source: "credential_change", session: false },
  ],
  [SSF_EVENT_TYPES.sessionsRevoked, { kind: "end", source: "sessions_revoked", session: false }],
  [SSF_EVENT_TYPES.accountDisabled, { kind: "decide", status: "disabled", source: "account_disabled" }],
  [SSF_EVENT_TYPES.accountPurged, { kind: "decide", status: "deleted", source: "account_purged" }],
]);

/**
 * Keycloak's admin "sign out" of a person (every session) sends
 * `session-revoked` with the session id `ALL`: it names no one session.
 */
const EVERY_SESSION = "ALL";

/** Applies one event; a failure of the revoker propagates (the SET is then not acknowledged). */
export async function applyEvent(
  eventType: string,
  event: Readonly<Record<string, unknown>>,
  claims: Readonly<Record<string, unknown>>,
  context: EventContext,
): Promise<EventOutcome> {
  if (eventType === SSF_EVENT_TYPES.verification) {
    const state = typeof event.state === "string" ? event.state : undefined;
    return { eventType, outcome: "received", verificationState: state };
  }
  if (eventType === SSF_EVENT_TYPES.streamUpdated) return { eventType, outcome: "received" };
  const action = ACTIONS.get(eventType);
  if (action === undefined) return { eventType, outcome: "ignored", reason: "unknown_event" };
  const subject = mapSubject(claims, event, context.issuer);
  if (subject.kind === "unmapped") return { eventType, outcome: "ignored", reason: subject.reason };
  if (subject.kind === "opaque") return { eventType, outcome: "ignored", reason: "unsupported_format" };
  const { provider, revoker } = context;
  const issuedAt = signalTime(event, claims);
  if (action.kind === "decide") {
    const person = { provider, subject: subject.subject, ...(issuedAt === undefined ? {} : { issuedAt }) };
    const ended = await revoker.accountDecided(person, action.status, action.source);
    return { eventType, outcome: "received", ended };
  }
  const sid = action.session && subject.sid !== EVERY_SESSION ? subject.sid : undefined;
  const target = {
    provider,
    subject: subject.subject,
    ...(sid === undefined ? {} : { sid }),
    ...(issuedAt === undefined ? {} : { issuedAt }),
  };
  const ended = await revoker.end(target, action.source);
  return { eventType, outcome: "received", ended };
}

/**
 * When the transmitter says the event happened: CAEP's `event_timestamp`,
 * else the SET's `iat` (both epoch seconds; verify-set checked `iat`).
 * Never later than `iat`: a transmitter cannot date an event into the future.
 */
function signalTime(
  event: Readonly<Record<string, unknown>>,
  claims: Readonly<Record<string, unknown>>,
): number | undefined {
  const iat = typeof claims.iat === "number" && Number.isFinite(claims.iat) ? claims.iat : undefined;
  const at = event.event_timestamp;
  if (typeof at === "number" && Number.isFinite(at)) return iat === undefined ? at : Math.min(at, iat);
  return iat;
}
