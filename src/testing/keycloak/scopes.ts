/**
 * Client scopes of a new Keycloak 26 realm and what a token's `scope` claim
 * says (docs/reference/keycloak.md §3.1). Default scopes apply whether asked for or
 * not; of those only `profile` and `email` are "included in token scope".
 * Optional scopes apply when asked for.
 */
import { fail } from "./http.js";

const DEFAULT_IN_CLAIM = ["email", "profile"];
const DEFAULT_HIDDEN = ["basic", "roles", "web-origins", "acr"];
const OPTIONAL = ["address", "phone", "offline_access", "microprofile-jwt", "organization"];
const KNOWN = new Set(["openid", ...DEFAULT_IN_CLAIM, ...DEFAULT_HIDDEN, ...OPTIONAL]);

/**
 * The `scope` of the tokens for a requested scope string. An unknown scope is
 * refused as Keycloak does ([guess] wording "Invalid scopes: <requested>").
 */
export function grantedScope(requested: string | undefined): string {
  const asked = (requested ?? "").split(" ").filter(Boolean);
  if (asked.some((scope) => !KNOWN.has(scope))) fail(400, "invalid_scope", `Invalid scopes: ${requested}`);
  const optional = OPTIONAL.filter((scope) => asked.includes(scope));
  // [guess] order: openid first, then alphabetical — matches "openid email profile" seen on 26.x.
  const rest = [...DEFAULT_IN_CLAIM, ...optional].sort();
  return [...(asked.includes("openid") ? ["openid"] : []), ...rest].join(" ");
}

export function isOpenId(scope: string): boolean {
  return scope.split(" ").includes("openid");
}
