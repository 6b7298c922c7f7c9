/**
 * `grant_type=client_credentials` (docs/reference/entra-id.md §3.1, §5.3, §9.1): a
 * confidential client, `scope=<resource>/.default` for ONE resource (v1:
 * `resource=<resource>`, §1.3), and never over `/common` or `/consumers`
 * (9001023). The token's `roles` are the application permissions granted
 * to the client on that API.
 */
import { TENANT_STATE } from "./aadsts.js";
import { authenticateClient } from "./client-auth.js";
import type { Core } from "./core.js";
import { fail } from "./errors.js";
import type { Grant } from "./grant-support.js";
import { graphAppTokenResponse } from "./graph-token.js";
import type { RequestContext } from "./http.js";
import { v1TokenBody } from "./protocol.js";
import { GRAPH_URI, type Resource, resolveResource } from "./scopes.js";
import { authorityLabel } from "./sign-in.js";
import { appTokenResponse, requireResourceIn } from "./tokens.js";

const DEFAULT_SUFFIX = "/.default";

export const clientCredentialsGrant: Grant = async (core, ctx, authority, _telemetry, protocol) => {
  if (authority.kind === "common" || authority.kind === "consumers") fail("grant_not_on_common");
  // `/organizations` names no tenant; the client's home tenant answers [guess: docs/reference/entra-id.md is silent].
  const tenantId = authority.kind === "tenant" ? authority.tenant.id : undefined;
  const client = await authenticateClient(core, ctx, tenantId, authorityLabel(authority));
  if (client.clientAuth === "0") fail("secret_missing");
  const tenant =
    authority.kind === "tenant" ? authority.tenant : core.directory.tenant(client.app.homeTenantId);
  const tenantRefusal = tenant ? TENANT_STATE[tenant.state] : "tenant_not_found";
  if (!tenant || tenantRefusal) fail(tenantRefusal ?? "tenant_not_found", { tenant: authority.segment });

  const resource = protocol === 1 ? v1Resource(core, ctx) : v2Resource(core, ctx);
  // App-only tokens for the emulator's own Graph (docs/reference/entra-id.md §11.7).
  if (resource.kind === "graph") {
    const body = await graphAppTokenResponse(core, tenant, client.app);
    return protocol === 1 ? v1TokenBody(body, GRAPH_URI, undefined, core.now()) : body;
  }
  requireResourceIn(core, resource, tenant);
  return appTokenResponse(core, tenant, client, resource, protocol);
};

function v1Resource(core: Core, ctx: RequestContext): Resource {
  const resource = ctx.form.get("resource");
  if (!resource) fail("missing_parameter", { name: "resource" });
  return resolveResource(resource, core.directory);
}

function v2Resource(core: Core, ctx: RequestContext): Resource {
  const scope = ctx.form.get("scope");
  if (!scope) fail("missing_parameter", { name: "scope" });
  const words = scope.split(/\s+/).filter(Boolean);
  if (words.length > 1 && words.every((w) => w.endsWith(DEFAULT_SUFFIX)))
    fail("scope_multiple_resources", { scope });
  const [word] = words;
  if (words.length !== 1 || !word?.endsWith(DEFAULT_SUFFIX)) fail("scope_not_default", { scope });
  return resolveResource(word.slice(0, -DEFAULT_SUFFIX.length), core.directory);
}
