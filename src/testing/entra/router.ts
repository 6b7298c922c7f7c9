/**
 * Path → endpoint. Every tenant segment (`common`, `organizations`,
 * `consumers`, a GUID, a verified domain) serves the same routes
 * (docs/reference/entra-id.md §1.2, §1.3); an unknown tenant is 90002 `invalid_tenant` —
 * JSON at the JSON endpoints, the error page in the browser (§1.4, §6.4).
 */
import { AADSTS } from "./aadsts.js";
import { authorizeReply, loginReply } from "./authorize.js";
import { CAE_RESOURCE_PATH, caeResourceReply } from "./cae-resource.js";
import type { Core } from "./core.js";
import { deviceAuthorizationReply } from "./device-authorization.js";
import { devicePageReply } from "./device-page.js";
import type { Authority } from "./directory.js";
import { discoveryReply, instanceDiscoveryReply } from "./discovery.js";
import { EntraProblem, problemJson, problemPage } from "./errors.js";
import type { EndpointKind } from "./faults.js";
import { graphReply } from "./graph-router.js";
import { html, type Reply, type RequestContext } from "./http.js";
import { jwksReply } from "./jwks.js";
import { logoutReply } from "./logout.js";
import { errorLookupPage } from "./pages.js";
import { tokenReply } from "./token-endpoint.js";

export interface Route {
  readonly kind: EndpointKind;
  readonly run: (core: Core, ctx: RequestContext) => Reply | Promise<Reply>;
}

type TenantHandler = (core: Core, ctx: RequestContext, authority: Authority) => Reply | Promise<Reply>;

const TENANT_ROUTES: Readonly<Record<string, { kind: EndpointKind; handle: TenantHandler }>> = {
  "v2.0/.well-known/openid-configuration": {
    kind: "discovery",
    handle: (c, x, a) => discoveryReply(c, x, a, 2),
  },
  ".well-known/openid-configuration": { kind: "discovery", handle: (c, x, a) => discoveryReply(c, x, a, 1) },
  "discovery/instance": { kind: "discovery", handle: (c, x) => instanceDiscoveryReply(c, x) },
  "discovery/v2.0/keys": { kind: "jwks", handle: (c, x, a) => jwksReply(c, x, a, 2) },
  "discovery/keys": { kind: "jwks", handle: (c, x, a) => jwksReply(c, x, a, 1) },
  "oauth2/v2.0/authorize": { kind: "authorize", handle: authorizeReply },
  login: { kind: "authorize", handle: (c, x) => loginReply(c, x) },
  "oauth2/v2.0/token": { kind: "token", handle: tokenReply },
  "oauth2/v2.0/devicecode": { kind: "devicecode", handle: deviceAuthorizationReply },
  "oauth2/v2.0/logout": { kind: "other", handle: (c, x) => logoutReply(c, x) },
  // v1 (§1.3): the same endpoints, parameterised on the protocol generation (protocol.ts).
  "oauth2/authorize": { kind: "authorize", handle: (c, x, a) => authorizeReply(c, x, a, 1) },
  "oauth2/token": { kind: "token", handle: (c, x, a) => tokenReply(c, x, a, 1) },
  "oauth2/devicecode": { kind: "devicecode", handle: (c, x, a) => deviceAuthorizationReply(c, x, a, 1) },
  "oauth2/logout": { kind: "other", handle: (c, x) => logoutReply(c, x) },
};

export function routeOf(pathname: string): Route | undefined {
  if (pathname === "/devicelogin") return { kind: "other", run: devicePageReply };
  if (pathname === "/error") return { kind: "other", run: errorLookupReply };
  // Microsoft Graph (graph.microsoft.com) shares the emulator's origin: `/v1.0/...` (docs/reference/entra-id.md §11).
  if (pathname.startsWith("/v1.0/")) {
    return { kind: "graph", run: (core, ctx) => graphReply(core, ctx, core.config.graphDeltaPageSize) };
  }
  if (pathname === CAE_RESOURCE_PATH) return { kind: "other", run: caeResourceReply };
  const match = /^\/([^/]+)\/(.+?)\/?$/.exec(pathname);
  const route = match?.[2] === undefined ? undefined : TENANT_ROUTES[match[2]];
  const segment = match?.[1];
  if (!route || segment === undefined) return undefined;
  return {
    kind: route.kind,
    run: (core, ctx) => withAuthority(core, ctx, segment, route.kind, route.handle),
  };
}

function withAuthority(
  core: Core,
  ctx: RequestContext,
  segment: string,
  kind: EndpointKind,
  handle: TenantHandler,
): Reply | Promise<Reply> {
  const tenant = decodeURIComponent(segment);
  const authority = core.directory.resolve(tenant);
  if (authority) return handle(core, ctx, authority);
  const problem = new EntraProblem("tenant_not_found", { tenant });
  return kind === "authorize" || kind === "other"
    ? problemPage(core.config, ctx, problem)
    : problemJson(core.config, ctx, problem);
}

function errorLookupReply(_core: Core, ctx: RequestContext): Reply {
  const code = ctx.url.searchParams.get("code") ?? "";
  const row = Object.values(AADSTS).find((r) => String(r.code) === code);
  return html(200, errorLookupPage(code, row?.message), ctx);
}
