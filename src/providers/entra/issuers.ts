/**
 * Entra ID issuers (docs/reference/entra-id.md §1.5). One tenant has two: v2 tokens say
 * `{authority}/{tid}/v2.0`, v1 tokens `https://sts.windows.net/{tid}/` — and
 * which one an *access* token carries is chosen by the resource, not by the
 * endpoint the client called. Both are accepted; nothing else is.
 *
 * A multi-tenant app (`organizations`/`common`) has the same two issuers as
 * templates, filled from each token's own `tid` — and only for the tenants
 * the app allows: a template alone would accept every tenant on earth, the
 * attacker's included.
 */
import type { Claims } from "../../core/types.js";

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The placeholder of Entra's multi-tenant issuers (§1.4, §1.6). */
export const TENANT_PLACEHOLDER = "{tenantid}";

export interface EntraIssuers {
  /** `{authority}/{tid}/v2.0`; with `{tenantid}` for a multi-tenant app. */
  readonly v2: string;
  /** `{v1 base}/{tid}/`; with `{tenantid}` for a multi-tenant app. */
  readonly v1: string;
}

/** The tenants whose tokens a provider accepts, lower-case GUIDs. */
export type AllowedTenants = ReadonlySet<string>;

/** `tenant` is a GUID, or {@link TENANT_PLACEHOLDER} for the templates of a multi-tenant app. */
export function entraIssuers(authority: string, v1IssuerBase: string, tenant: string): EntraIssuers {
  const tid = tenant.toLowerCase();
  return { v2: `${trimSlash(authority)}/${tid}/v2.0`, v1: `${trimSlash(v1IssuerBase)}/${tid}/` };
}

/**
 * The issuer this token must carry, or undefined to refuse it before any
 * key is fetched (§1.5 steps 3–4): its `tid` must be a GUID of an allowed
 * tenant, its `ver` picks v1 or v2, and the issuer is the template filled
 * with that very `tid` — so a token whose `tid` names one tenant and whose
 * `iss` another is refused (the cross-tenant attack).
 */
export function expectedEntraIssuer(
  issuers: EntraIssuers,
  allowed: AllowedTenants,
  unverified: Claims,
): string | undefined {
  const tid = unverified.tid;
  if (typeof tid !== "string" || !GUID.test(tid) || !allowed.has(tid.toLowerCase())) return undefined;
  const issuer = unverified.ver === "1.0" ? issuers.v1 : issuers.v2;
  return issuer.replace(TENANT_PLACEHOLDER, tid);
}

/**
 * docs/reference/entra-id.md §1.5, steps 2–3: a v2 signing key names the issuer it signs for
 * (`{tenantid}` templated on common keys); the token's `iss` must be that
 * issuer with the token's own `tid` filled in. A key published for the
 * consumer (MSA) tenant cannot sign for a work tenant, and vice versa.
 */
export function checkKeyIssuer(
  claims: Claims,
  key: Readonly<Record<string, unknown>> | undefined,
): string | undefined {
  // v1 key sets carry no `issuer` member; the rule applies to v2 tokens.
  if (claims.ver === "1.0" || typeof key?.issuer !== "string") return undefined;
  const expected = key.issuer.replace(TENANT_PLACEHOLDER, String(claims.tid));
  return expected === claims.iss ? undefined : "the signing key is not published for this token's issuer";
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
