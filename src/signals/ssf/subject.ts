/**
 * Which person (and session) a security event names: RFC 9493 subject
 * identifiers, as SSF 1.0 places them (`sub_id` in the SET, or the legacy
 * `subject` member inside the event, which RISC 1.0 transmitters still send).
 *
 * Only identifiers bound to the provider's own immutable subject are mapped:
 * `iss_sub` whose `iss` is the provider's issuer, and `complex` with such a
 * `user`. An email address (`email`, or a `complex` user given by email) is
 * never mapped: addresses change and are handed to other people, so acting on
 * one could end a stranger's sessions or let a signal meant for someone else
 * miss its target.
 */

/**
 * What a subject identifier maps to.
 *
 * @example
 * // Keycloak's admin "sign out" names every session of the person:
 * const mapped: SubjectMapping = { kind: "person", subject: "708f0cbc-b85e-4275-bb50-8f6df5f32100", sid: "ALL" };
 */
export type SubjectMapping =
  | {
      readonly kind: "person";
      /** The provider's subject (`sub`) of the person. */
      readonly subject: string;
      /** The provider's session id, when the event names one session. */
      readonly sid?: string | undefined;
    }
  /** `opaque`: the stream itself (the verification event names its stream this way). */
  | { readonly kind: "opaque"; readonly id: string }
  | { readonly kind: "unmapped"; readonly reason: UnmappedReason };

/**
 * Why a subject could not be mapped to a person of the provider.
 *
 * @example
 * const why: UnmappedReason = "email_subject"; // acknowledged, ignored, and reported with a warning
 */
export type UnmappedReason =
  /** The SET names no subject. */
  | "no_subject"
  /** An email address: not a stable identity (see the module comment). */
  | "email_subject"
  /** An `iss_sub` of another issuer: not this provider's person. */
  | "foreign_issuer"
  /** A format idswitch does not map (phone number, account URI, DID, …) or a malformed one. */
  | "unsupported_format";

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const nonEmptyString = (value: unknown): value is string => typeof value === "string" && value.length > 0;

/**
 * Maps the subject of one event. `issuer` is the provider's issuer, the only
 * `iss` an `iss_sub` subject may carry.
 */
export function mapSubject(setClaims: Json, event: Json, issuer: string): SubjectMapping {
  const subject = setClaims.sub_id ?? event.subject;
  if (!isObject(subject)) return { kind: "unmapped", reason: "no_subject" };
  switch (subject.format) {
    case "iss_sub":
      return person(subject, issuer, undefined);
    case "complex":
      return complex(subject, issuer);
    case "opaque":
      return nonEmptyString(subject.id)
        ? { kind: "opaque", id: subject.id }
        : { kind: "unmapped", reason: "unsupported_format" };
    case "email":
      return { kind: "unmapped", reason: "email_subject" };
    default:
      return { kind: "unmapped", reason: "unsupported_format" };
  }
}

function person(user: Json, issuer: string, sid: string | undefined): SubjectMapping {
  if (!nonEmptyString(user.iss) || !nonEmptyString(user.sub)) {
    return { kind: "unmapped", reason: "unsupported_format" };
  }
  if (user.iss !== issuer) return { kind: "unmapped", reason: "foreign_issuer" };
  return { kind: "person", subject: user.sub, sid };
}

/**
 * SSF 1.0 complex subjects: every member describes the same subject.
 * The `user` is the person; `session` (format `opaque`) narrows it to one
 * session. Other members (device, tenant, application) cannot widen what ends,
 * so they are not needed to act.
 */
function complex(subject: Json, issuer: string): SubjectMapping {
  const user = subject.user;
  if (!isObject(user)) return { kind: "unmapped", reason: "unsupported_format" };
  if (user.format === "email") return { kind: "unmapped", reason: "email_subject" };
  if (user.format !== "iss_sub") return { kind: "unmapped", reason: "unsupported_format" };
  const session = subject.session;
  if (session === undefined) return person(user, issuer, undefined);
  if (!isObject(session) || session.format !== "opaque" || !nonEmptyString(session.id)) {
    return { kind: "unmapped", reason: "unsupported_format" };
  }
  return person(user, issuer, session.id);
}
