/**
 * Entra ID issuers (shared/ENTRA.md §1.5). One tenant has two: v2 tokens say
 * `{authority}/{tid}/v2.0`, v1 tokens `https://sts.windows.net/{tid}/` — and
 * which one an *access* token carries is chosen by the resource, not by the
 * endpoint the client called. Both are accepted; nothing else is.
 */
import type { Claims } from "../../core/types.js";

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface EntraIssuers {
  readonly v2: string;
  readonly v1: string;
}

export function entraIssuers(authority: string, v1IssuerBase: string, tenantId: string): EntraIssuers {
  const tid = tenantId.toLowerCase();
  return { v2: `${trimSlash(authority)}/${tid}/v2.0`, v1: `${trimSlash(v1IssuerBase)}/${tid}/` };
}

/**
 * The issuer this token must carry: its `tid` must be a GUID and this
 * tenant's, and its `ver` picks v1 or v2. A token of any other tenant is
 * refused here, before a key is fetched (the cross-tenant attack).
 */
export function expectedEntraIssuer(
  issuers: EntraIssuers,
  tenantId: string,
  unverified: Claims,
): string | undefined {
  const tid = unverified.tid;
  if (typeof tid !== "string" || !GUID.test(tid) || tid.toLowerCase() !== tenantId.toLowerCase())
    return undefined;
  return unverified.ver === "1.0" ? issuers.v1 : issuers.v2;
}

/**
 * ENTRA.md §1.5, steps 2–3: a v2 signing key names the issuer it signs for
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
  const expected = key.issuer.replace("{tenantid}", String(claims.tid));
  return expected === claims.iss ? undefined : "the signing key is not published for this token's issuer";
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
