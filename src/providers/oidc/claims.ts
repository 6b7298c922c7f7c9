/**
 * Standard OIDC claims → `Principal`. Providers with richer claims (roles,
 * tenants) layer their own rules on top of this one.
 */
import { IdSwitchError } from "../../core/errors.js";
import type { Claims, Principal } from "../../core/types.js";

export function stringClaim(claims: Claims, name: string): string | undefined {
  const value = claims[name];
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

export function stringArrayClaim(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** `scope` (RFC 9068 §2.2.3, space-separated) or `scp` (a common alternative, string or array). */
export function scopesOf(claims: Claims): string[] {
  const raw = claims.scope ?? claims.scp;
  if (typeof raw === "string") return raw.split(" ").filter(Boolean);
  return stringArrayClaim(raw);
}

export interface NormalizeContext {
  readonly provider: string;
  readonly issuer: string;
}

/** The generic rule: `sub` is the subject; no tenant; `roles` and `groups` when the provider sends them flat. */
export function normalizeStandardClaims(claims: Claims, context: NormalizeContext): Principal {
  const subject = stringClaim(claims, "sub");
  if (!subject) {
    throw new IdSwitchError("token_invalid", `${context.provider}: token has no "sub" claim`, {
      provider: context.provider,
      reason: "claims",
    });
  }
  const exp = claims.exp;
  return {
    provider: context.provider,
    issuer: context.issuer,
    subject,
    tenant: undefined,
    email: stringClaim(claims, "email"),
    // Only an explicit `true` counts; a string "true" or a missing claim does not.
    emailVerified: claims.email_verified === true,
    name: stringClaim(claims, "name"),
    username: stringClaim(claims, "preferred_username"),
    roles: stringArrayClaim(claims.roles),
    groups: stringArrayClaim(claims.groups),
    scopes: scopesOf(claims),
    expiresAt: typeof exp === "number" ? exp : undefined,
    claims,
  };
}
