/**
 * Signature and claim verification of one JWT with jose, behind the checks
 * that must run before any key is fetched: size, compact form, algorithm
 * allow-list and exact issuer. jose's errors are translated here, at one
 * place, into `token_invalid` with a machine-readable reason.
 */
import * as jose from "jose";
import { IdSwitchError, type TokenInvalidReason } from "../core/errors.js";

/** Far above any real access token (Entra's with many groups is ~6 KiB); stops parser abuse early. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

/**
 * The one issuer a token may have: a fixed string, or — for providers whose
 * issuer depends on the token (Entra's per-tenant issuers) — a rule that
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
}

export interface VerifiedJwt {
  readonly payload: jose.JWTPayload;
  readonly header: jose.JWTHeaderParameters;
}

/** Peeks at the unverified header and payload — only to pick a verifier and refuse early. */
export function peekJwt(token: string, provider: string | undefined): VerifiedJwt {
  if (typeof token !== "string" || token.length === 0) throw invalid(provider, "malformed", "no token");
  if (token.length > MAX_TOKEN_LENGTH) throw invalid(provider, "too_large", "token too large");
  if (token.split(".").length !== 3) throw invalid(provider, "malformed", "not a compact JWS");
  try {
    return {
      header: jose.decodeProtectedHeader(token) as jose.JWTHeaderParameters,
      payload: jose.decodeJwt(token),
    };
  } catch (err) {
    throw invalid(provider, "malformed", "token is not a well-formed JWT", err);
  }
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
  // refuse them later as "unsupported algorithm" after discovery was fetched (SECURITY.md §A2#6).
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
): Promise<VerifiedJwt> {
  const issuer = precheckJwt(peekJwt(token, check.provider), check);
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
    return { payload, header: protectedHeader };
  } catch (err) {
    throw translateJoseError(err, check.provider);
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
  if (claim === "nbf" || (claim === "iat" && reason === "check_failed")) return "not_yet_valid";
  return "claims";
}

/** `provider` is undefined when no configured provider could be chosen (unknown issuer, malformed token). */
export function invalid(
  provider: string | undefined,
  reason: TokenInvalidReason,
  message: string,
  cause?: unknown,
): IdSwitchError {
  const text = provider === undefined ? message : `${provider}: ${message}`;
  return new IdSwitchError("token_invalid", text, { provider, reason, cause });
}
