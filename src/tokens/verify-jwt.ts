/**
 * Signature and claim verification of one JWT with jose, behind the checks
 * that must run before any key is fetched: size, compact form, algorithm
 * allow-list and exact issuer. jose's errors are translated here, at one
 * place, into `token_invalid` with a machine-readable reason.
 */
import * as jose from "jose";
import { IdSwitchError, invalid, type TokenInvalidReason } from "../core/errors.js";

/** Far above any real access token (one listing a person's many groups is ~6 KiB); stops parser abuse early. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

/**
 * The one issuer a token may have: a fixed string, or — for providers whose
 * issuer depends on the token (one issuer per tenant, say) — a rule that
 * derives it from the unverified claims, or refuses (undefined).
 */
export type ExpectedIssuer = string | ((unverified: jose.JWTPayload) => string | undefined);

export interface JwtCheck {
  readonly provider: string;
  readonly issuer: ExpectedIssuer;
  /** Omitted only for a token received first-hand from the provider's token endpoint. */
  readonly audience?: string | readonly string[] | undefined;
  readonly algorithms: readonly string[];
  readonly now: number;
  readonly clockToleranceSeconds: number;
  readonly requiredClaims?: readonly string[];
  /**
   * The claims that may name the party a token was issued to; one must be
   * present when a token has several audiences. Default
   * {@link AUTHORIZED_PARTY_CLAIMS}; a provider that names it otherwise
   * supplies its own list.
   */
  readonly authorizedPartyClaims?: readonly string[];
}

/** `azp` (OIDC Core §2) and RFC 9068 §2.2's `client_id`. */
export const AUTHORIZED_PARTY_CLAIMS: readonly string[] = ["azp", "client_id"];

/** A token's header and payload — verified, or (from `peekJwt`) only decoded. */
export interface VerifiedJwt {
  readonly payload: jose.JWTPayload;
  readonly header: jose.JWTHeaderParameters;
}

/** Peeks at the unverified header and payload — only to pick a verifier and refuse early. */
export function peekJwt(token: string, provider: string | undefined): VerifiedJwt {
  if (typeof token !== "string" || token.length === 0) throw invalid(provider, "malformed", "no token");
  if (token.length > MAX_TOKEN_LENGTH) throw invalid(provider, "too_large", "token too large");
  const parts = token.split(".");
  if (parts.length !== 3) throw invalid(provider, "malformed", "not a compact JWS");
  let header: unknown;
  let payload: unknown;
  let problem: string | undefined;
  try {
    const headerText = decodeSegment(parts[0] ?? "");
    const payloadText = decodeSegment(parts[1] ?? "");
    header = JSON.parse(headerText);
    payload = JSON.parse(payloadText);
    problem = jsonProblem(headerText, header) ?? jsonProblem(payloadText, payload);
  } catch (err) {
    throw invalid(provider, "malformed", "token is not a well-formed JWT", err);
  }
  if (!isObject(header) || !isObject(payload))
    throw invalid(provider, "malformed", "token is not a well-formed JWT");
  if (problem) throw invalid(provider, "malformed", `token JSON has ${problem}`);
  return { header: header as jose.JWTHeaderParameters, payload: payload as jose.JWTPayload };
}

type BufferLike = { from(text: string, encoding: "base64url"): { toString(encoding: "utf8"): string } };
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * One base64url segment as text. Node's Buffer where there is one (about
 * three times faster on the hot path); jose's decoder elsewhere. Peeking is
 * lenient at worst where Buffer is: jose decodes strictly when it verifies.
 */
function decodeSegment(segment: string): string {
  return NodeBuffer
    ? NodeBuffer.from(segment, "base64url").toString("utf8")
    : utf8.decode(jose.base64url.decode(segment));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Nesting far beyond any real header or claims set (the providers we know stay under 5 levels). */
const MAX_JSON_DEPTH = 32;
const FORBIDDEN_MEMBERS: ReadonlySet<string> = new Set(["__proto__", "constructor"]);
/** In valid JSON, a string followed by a colon is a member name — and nothing else is. */
const MEMBER_NAME = /"(?:[^"\\]|\\.)*"\s*:/g;

/**
 * SECURITY.md #17 and #16. `JSON.parse` silently keeps the last of two
 * members with one name, so `{"sub":"a","sub":"b"}` (or `"alg":"none"` then
 * `"alg":"RS256"`) means different things to different parsers in a chain:
 * refuse duplicates (compared after unescaping: the text names more members
 * than the parsed value has), prototype-named members, and absurd nesting.
 */
function jsonProblem(text: string, value: unknown): string | undefined {
  const count = { members: 0 };
  const problem = inspect(value, 1, count);
  if (problem) return problem;
  return countMatches(MEMBER_NAME, text) === count.members ? undefined : "a duplicate member";
}

/** How many times `pattern` (global) matches `text`, without building the array of matches. */
function countMatches(pattern: RegExp, text: string): number {
  pattern.lastIndex = 0;
  let count = 0;
  while (pattern.exec(text) !== null) count += 1;
  return count;
}

function inspect(value: unknown, depth: number, count: { members: number }): string | undefined {
  if (depth > MAX_JSON_DEPTH) return "too deep a nesting";
  const children = Array.isArray(value) ? value : Object.values(value as object);
  if (!Array.isArray(value)) {
    for (const name of Object.keys(value as object)) {
      if (FORBIDDEN_MEMBERS.has(name)) return "a prototype member";
      count.members += 1;
    }
  }
  for (const child of children) {
    if (typeof child === "object" && child !== null) {
      const problem = inspect(child, depth + 1, count);
      if (problem) return problem;
    }
  }
  return undefined;
}

/**
 * Fails closed before any network call: the algorithm must be on the allow
 * list (no `none`, no HMAC keyed with a public key) and `iss` must be exactly
 * this provider's issuer, so a foreign token never makes us fetch anything.
 */
export function precheckJwt(peeked: VerifiedJwt, check: JwtCheck): string {
  const alg = peeked.header.alg;
  if (typeof alg !== "string" || !check.algorithms.includes(alg)) {
    throw invalid(check.provider, "algorithm", `algorithm ${JSON.stringify(alg ?? null)} is not allowed`);
  }
  // We understand no JWS extension (RFC 7515 §4.1.11) and never accept an unencoded payload
  // (RFC 7797; RFC 8725 §3.11): refuse both here, before any request, instead of letting jose
  // refuse them later as "unsupported algorithm" after discovery was fetched (SECURITY.md #6).
  if ("crit" in peeked.header || "b64" in peeked.header) {
    throw invalid(check.provider, "malformed", "token uses a JWS extension (crit/b64)");
  }
  const expected = typeof check.issuer === "string" ? check.issuer : check.issuer(peeked.payload);
  if (expected === undefined || peeked.payload.iss !== expected) {
    throw invalid(check.provider, "issuer", "token was not issued by this provider");
  }
  return expected;
}

/**
 * Verifies `token`; every failure becomes an `IdSwitchError`. `keys` is only
 * asked for once the pre-checks pass, so a foreign token costs no request.
 */
export async function verifyJwt(
  token: string,
  keys: () => Promise<jose.JWTVerifyGetKey>,
  check: JwtCheck,
  peeked?: VerifiedJwt,
): Promise<VerifiedJwt> {
  // A caller that already peeked (to choose this verifier) saves the second decode; jose decodes for real.
  const issuer = precheckJwt(peeked ?? peekJwt(token, check.provider), check);
  const keySet = await keys();
  try {
    const { payload, protectedHeader } = await jose.jwtVerify(token, keySet, {
      issuer,
      ...(check.audience === undefined ? {} : { audience: check.audience as string | string[] }),
      algorithms: [...check.algorithms],
      currentDate: new Date(check.now),
      clockTolerance: check.clockToleranceSeconds,
      requiredClaims: [...(check.requiredClaims ?? ["exp"])],
    });
    checkAfterJose(payload, check);
    return { payload, header: protectedHeader };
  } catch (err) {
    throw translateJoseError(err, check.provider);
  }
}

/**
 * What jose leaves to the caller (SECURITY.md #8, #9):
 * - a NumericDate must be finite: JSON `1e309` parses to Infinity, a token that never expires;
 * - `iat` in the future beyond the tolerance: jose checks it only with `maxTokenAge`;
 * - several audiences need the party the token was issued to (OIDC Core §3.1.3.7),
 *   in one of `check.authorizedPartyClaims`.
 */
function checkAfterJose(payload: jose.JWTPayload, check: JwtCheck): void {
  for (const claim of ["exp", "nbf", "iat"] as const) {
    const value = payload[claim];
    if (value !== undefined && !Number.isFinite(value)) {
      throw invalid(check.provider, "claims", `token claim "${claim}" is not a finite number`);
    }
  }
  const now = Math.floor(check.now / 1000);
  if (typeof payload.iat === "number" && payload.iat > now + check.clockToleranceSeconds) {
    throw invalid(check.provider, "not_yet_valid", "token was issued in the future");
  }
  const claims = check.authorizedPartyClaims ?? AUTHORIZED_PARTY_CLAIMS;
  const party = claims.some((claim) => typeof payload[claim] === "string");
  if (check.audience !== undefined && Array.isArray(payload.aud) && payload.aud.length > 1 && !party) {
    throw invalid(check.provider, "audience", "token has several audiences and names no authorized party");
  }
}

function translateJoseError(err: unknown, provider: string): IdSwitchError {
  if (err instanceof IdSwitchError) return err; // the key fetch already said "provider_unavailable"
  if (err instanceof jose.errors.JWTExpired) return invalid(provider, "expired", "token has expired", err);
  if (err instanceof jose.errors.JWTClaimValidationFailed) {
    return invalid(
      provider,
      claimReason(err.claim, err.reason),
      `token claim "${err.claim}" is not acceptable`,
      err,
    );
  }
  if (err instanceof jose.errors.JOSEAlgNotAllowed)
    return invalid(provider, "algorithm", "algorithm not allowed", err);
  if (err instanceof jose.errors.JWSSignatureVerificationFailed) {
    return invalid(provider, "signature", "signature verification failed", err);
  }
  if (err instanceof jose.errors.JWKSNoMatchingKey || err instanceof jose.errors.JWKSMultipleMatchingKeys) {
    return invalid(provider, "unknown_key", "no single published key matches the token", err);
  }
  if (err instanceof jose.errors.JWKSTimeout || err instanceof jose.errors.JWKSInvalid) {
    return new IdSwitchError("provider_unavailable", `${provider}: key set unavailable`, {
      provider,
      reason: "jwks",
      cause: err,
    });
  }
  if (err instanceof jose.errors.JOSENotSupported)
    return invalid(provider, "algorithm", "unsupported key or algorithm", err);
  return invalid(provider, "malformed", "token could not be verified", err);
}

function claimReason(claim: string, reason: string): TokenInvalidReason {
  if (claim === "iss") return "issuer";
  if (claim === "aud") return "audience";
  // Only a failed time comparison is "not yet valid"; a non-numeric nbf is a bad claim.
  if ((claim === "nbf" || claim === "iat") && reason === "check_failed") return "not_yet_valid";
  return "claims";
}
