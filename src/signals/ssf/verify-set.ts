/**
 * Verification of one Security Event Token (RFC 8417) from a transmitter,
 * on the same path as every other token idswitch verifies
 * (`tokens/verify-jwt.ts`): size and form, algorithm allow-list and exact
 * issuer before any key is fetched, then the signature with the
 * transmitter's published keys, then the claims a SET must have.
 *
 * Replay (the `jti`) is the caller's, after this: only a SET whose signature
 * checked may use up a `jti`, or anyone could burn the ids of SETs to come.
 */
import type * as jose from "jose";
import { invalid } from "../../core/errors.js";
import { peekJwt, verifyJwt } from "../../tokens/verify-jwt.js";

/** What a SET of one transmitter must satisfy. */
export interface SetCheck {
  /** The configured provider id the transmitter speaks for (errors carry it). */
  readonly provider: string;
  /** The transmitter's issuer: `iss` must equal it exactly. */
  readonly issuer: string;
  /** The audience the stream was given: `aud` must name one of them. */
  readonly audience: string | readonly string[];
  readonly algorithms: readonly string[];
  /** Epoch ms. */
  readonly now: number;
  readonly clockToleranceSeconds: number;
  /** A SET issued longer ago than this is refused: its `jti` may no longer be remembered. */
  readonly maxAgeSeconds: number;
}

/** A verified SET: the claims the receiver acts on. */
export interface VerifiedSet {
  readonly jti: string;
  readonly iat: number;
  /** The SET's claims (for `sub_id`, `txn`). */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Event type URI → event payload; at least one. */
  readonly events: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/**
 * Verifies `token`; every failure is an `IdSwitchError` `token_invalid`
 * with a reason. `keys` is asked for only after the pre-checks pass.
 */
export async function verifySet(
  token: string,
  keys: () => Promise<jose.JWTVerifyGetKey>,
  check: SetCheck,
): Promise<VerifiedSet> {
  const peeked = peekJwt(token, check.provider);
  // RFC 8417 §2.3 and SSF 1.0: a SET is typed `secevent+jwt` when typed at all, which keeps an
  // ID token, an access token or a logout token (`logout+jwt`) from passing as an event.
  const typ = peeked.header.typ;
  if (typ !== undefined && normalisedType(typ) !== "secevent+jwt") {
    throw invalid(check.provider, "token_type", "token is not a security event token");
  }
  // verifyJwt pre-checks the algorithm and the exact issuer before it asks for keys.
  const { payload } = await verifyJwt(token, keys, jwtCheck(check), peeked);
  return setClaims(payload, check);
}

/** RFC 7515 §4.1.9: `typ` may omit the `application/` prefix, and media types ignore case. */
function normalisedType(typ: unknown): string | undefined {
  if (typeof typ !== "string") return undefined;
  const lower = typ.toLowerCase();
  return lower.startsWith("application/") ? lower.slice("application/".length) : lower;
}

function jwtCheck(check: SetCheck) {
  return {
    provider: check.provider,
    issuer: check.issuer,
    audience: check.audience,
    algorithms: check.algorithms,
    now: check.now,
    clockToleranceSeconds: check.clockToleranceSeconds,
    // RFC 8417 §2.2: a SET has `iss`, `iat`, `jti` and `events`, and usually no `exp`.
    requiredClaims: ["iat", "jti", "events"],
    // A SET names no authorized party (`azp`): the transmitter is the only party, and `iss` was
    // checked exactly. Without this, an `aud` listing several receivers would be refused.
    authorizedPartyClaims: ["iss"],
  };
}

function setClaims(payload: jose.JWTPayload, check: SetCheck): VerifiedSet {
  const { jti, iat, events } = payload;
  if (typeof jti !== "string" || jti.length === 0 || jti.length > 256) {
    throw invalid(check.provider, "claims", 'SET claim "jti" is not a usable id');
  }
  if (typeof iat !== "number") throw invalid(check.provider, "claims", 'SET claim "iat" is not a number');
  const oldest = Math.floor(check.now / 1000) - check.maxAgeSeconds - check.clockToleranceSeconds;
  if (iat < oldest) throw invalid(check.provider, "expired", "SET is older than the receiver remembers ids");
  if (!isObject(events) || Object.keys(events).length === 0) {
    throw invalid(check.provider, "claims", 'SET claim "events" is not an object of events');
  }
  for (const value of Object.values(events)) {
    if (!isObject(value)) throw invalid(check.provider, "claims", "a SET event payload is not an object");
  }
  return {
    jti,
    iat,
    claims: payload as Record<string, unknown>,
    events: events as Record<string, Record<string, unknown>>,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
