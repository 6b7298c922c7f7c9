/**
 * v2 `scope` parsing (docs/reference/entra-id.md §2.1, §3.1): OIDC scopes plus the scopes of
 * ONE resource, each written `<resource identifier>/<name>` (identifier =
 * the API's Application ID URI or client id GUID). Bare names such as
 * `User.Read` — and a request with no resource at all — mean Microsoft Graph,
 * whose tokens are Graph's own format (§5.6).
 */
import type { AppRecord, Directory } from "./directory.js";
import { fail } from "./errors.js";

export const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
export const GRAPH_URI = "https://graph.microsoft.com";

export type Resource =
  | { readonly kind: "graph" }
  /** `requestedAs`: the identifier the client used; a v1 token's `aud` repeats it (§5.3). */
  | { readonly kind: "app"; readonly app: AppRecord; readonly requestedAs: string };

export interface ScopeRequest {
  readonly openid: boolean;
  readonly profile: boolean;
  readonly email: boolean;
  readonly offlineAccess: boolean;
  readonly resource: Resource;
  /** Scope names on the resource (`access_as_user`, `.default`). */
  readonly names: readonly string[];
}

const OIDC = new Set(["openid", "profile", "email", "offline_access"]);

export function parseScopes(raw: string, directory: Directory): ScopeRequest {
  const words = raw.split(/\s+/).filter(Boolean);
  const lower = new Set(words.map((w) => w.toLowerCase()));
  const resources = new Map<string, string[]>();
  for (const word of words) {
    if (OIDC.has(word.toLowerCase())) continue;
    const slash = word.lastIndexOf("/");
    const identifier = slash > 0 ? word.slice(0, slash) : GRAPH_URI;
    const names = resources.get(identifier) ?? [];
    names.push(slash > 0 ? word.slice(slash + 1) : word);
    resources.set(identifier, names);
  }
  const keys = [...resources.keys()].map(canonical(directory));
  if (new Set(keys).size > 1) fail("scope_multiple_resources", { scope: raw });
  const [identifier, names] = [...resources][0] ?? [GRAPH_URI, ["User.Read"]];
  return {
    openid: lower.has("openid"),
    profile: lower.has("profile"),
    email: lower.has("email"),
    offlineAccess: lower.has("offline_access"),
    resource: resolveResource(identifier, directory),
    names,
  };
}

function canonical(directory: Directory): (identifier: string) => string {
  return (identifier) => {
    const resource = findResource(identifier, directory);
    if (!resource) return identifier.toLowerCase();
    return resource.kind === "graph" ? GRAPH_APP_ID : resource.app.clientId;
  };
}

export function resolveResource(identifier: string, directory: Directory): Resource {
  const resource = findResource(identifier, directory);
  if (!resource) fail("resource_not_found", { resource: identifier });
  return resource;
}

function findResource(identifier: string, directory: Directory): Resource | undefined {
  const lower = identifier.toLowerCase().replace(/\/+$/, "");
  if (lower === GRAPH_URI || lower === GRAPH_APP_ID) return { kind: "graph" };
  const byId = directory.app(lower);
  if (byId) return { kind: "app", app: byId, requestedAs: identifier };
  const byUri = directory.apps().find((app) => app.identifierUri.toLowerCase() === lower);
  return byUri ? { kind: "app", app: byUri, requestedAs: identifier } : undefined;
}

/** The `scope` of a token response: the resource's scopes, then the OIDC ones (§3.2 sample order). */
export function grantedScope(request: ScopeRequest): string {
  const prefix = request.resource.kind === "graph" ? "" : `${request.resource.requestedAs}/`;
  const resourceScopes = request.names.map((name) => `${prefix}${name}`);
  const oidc = [request.profile && "profile", request.openid && "openid", request.email && "email"];
  return [...resourceScopes, ...oidc.filter((s): s is string => typeof s === "string")].join(" ");
}

/** `scp` of a delegated token: `.default` stands for the API's statically consented permission. */
export function delegatedScp(request: ScopeRequest): string {
  return request.names.map((name) => (name === ".default" ? "user_impersonation" : name)).join(" ");
}
