/**
 * The two protocol generations Entra still serves on one tenant (docs/reference/entra-id.md
 * §1.2, §1.3): v2 at `/{t}/oauth2/v2.0/*`, v1 at `/{t}/oauth2/*`. The
 * endpoints share their implementation; only what the client sends (v1
 * names the API with `resource=`, not `scope=`) and the shape of what comes
 * back (v1 bodies carry STRING numbers, §3.3, §4.1) differ. The access
 * token's version is NOT chosen here: it stays with the resource's
 * registration (`accessTokenVersion`, §1.5), whichever endpoint was called.
 */
import { times } from "./claims.js";
import type { Directory } from "./directory.js";
import { GRAPH_URI, parseScopes, type Resource, resolveResource, type ScopeRequest } from "./scopes.js";

export type Protocol = 1 | 2;

/** The request parameter that names the API: `resource` on v1, `scope` on v2. */
export function resourceParameter(protocol: Protocol): "resource" | "scope" {
  return protocol === 1 ? "resource" : "scope";
}

/**
 * What a request asks for, or `undefined` when it does not say (the caller
 * decides whether that is an error or means "as before"). On v1 the API is
 * `resource` and `scope` carries only OIDC words (`openid`); its delegated
 * permission is the statically consented one (`.default` → `scp`
 * `user_impersonation`). v1 has no `offline_access`: a user grant always
 * comes with a refresh token [guess: docs/reference/entra-id.md §3.3's sample has one and
 * names no scope that asks for it].
 */
export function requestedScopes(
  get: (name: string) => string | undefined,
  directory: Directory,
  protocol: Protocol,
): ScopeRequest | undefined {
  if (protocol === 2) {
    const scope = get("scope");
    return scope ? parseScopes(scope, directory) : undefined;
  }
  const resource = get("resource");
  if (!resource) return undefined;
  const words = new Set(
    (get("scope") ?? "")
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => w.toLowerCase()),
  );
  const openid = words.has("openid");
  return {
    openid,
    // A v1 ID token carries name/oid/upn without asking (§5.2 last row); `profile` only shapes v2 answers.
    profile: openid,
    email: words.has("email"),
    offlineAccess: true,
    resource: resolveResource(resource, directory),
    names: [".default"],
  };
}

/** The resource as the client named it: what a v1 body's `resource` and a v1 token's `aud` repeat (§3.3, §5.3). */
export function resourceLabel(resource: Resource): string {
  return resource.kind === "graph" ? GRAPH_URI : resource.requestedAs;
}

/**
 * A v2 token body (§3.2) re-shaped as the v1 endpoint answers (§3.3):
 * `expires_in`, `ext_expires_in`, `expires_on`, `not_before` as strings,
 * `expires_on` = now + `expires_in`, `not_before` = the token's backdated
 * `nbf`, and `resource`. `client_info` is a v2 (MSAL) field and is dropped
 * [guess: §3.3 does not list it]. Field order [guess]: the order commonly
 * seen on the wire; §3.3's sample is abridged.
 */
export function v1TokenBody(
  v2: Readonly<Record<string, unknown>>,
  resource: string,
  scope: string | undefined,
  nowMs: number,
): Record<string, unknown> {
  const expiresIn = Number(v2.expires_in);
  const now = Math.floor(nowMs / 1000);
  const body: Record<string, unknown> = { token_type: v2.token_type };
  if (scope !== undefined) body.scope = scope;
  Object.assign(body, {
    expires_in: String(expiresIn),
    ext_expires_in: String(v2.ext_expires_in),
    expires_on: String(now + expiresIn),
    not_before: String(times(nowMs, 0).iat),
    resource,
    access_token: v2.access_token,
  });
  if (v2.refresh_token !== undefined) body.refresh_token = v2.refresh_token;
  if (v2.id_token !== undefined) body.id_token = v2.id_token;
  return body;
}
