/**
 * What every token-endpoint grant shares: which tenant the request speaks
 * for, and the account checks made whenever a grant is turned into tokens
 * (docs/reference/entra-id.md §6.4, §6.6: the same states refuse refresh as sign-in).
 */
import { TENANT_STATE, USER_STATE_AT_TOKEN } from "./aadsts.js";
import type { Core } from "./core.js";
import { type Authority, MSA_TENANT_ID, type TenantRecord, type UserRecord } from "./directory.js";
import { fail } from "./errors.js";
import type { RequestContext } from "./http.js";
import type { Protocol } from "./protocol.js";
import type { Resource } from "./scopes.js";
import { resourceId } from "./sign-in.js";
import type { Authentication } from "./store.js";

/** Server telemetry a grant reports (the refresh token's age goes into `x-ms-clitelem`, §1.7). */
export interface Telemetry {
  refreshTokenAgeMs?: number;
}

export type Grant = (
  core: Core,
  ctx: RequestContext,
  authority: Authority,
  telemetry: Telemetry,
  /** Which token endpoint was called: v1 `/oauth2/token` or v2 `/oauth2/v2.0/token` (§1.2, §1.3). */
  protocol: Protocol,
) => Promise<Record<string, unknown>>;

/** The tenant whose registrations the client must be in; `undefined` on common/organizations (any). */
export function clientTenantOf(authority: Authority): string | undefined {
  if (authority.kind === "tenant") return authority.tenant.id;
  if (authority.kind === "consumers") return MSA_TENANT_ID;
  return undefined;
}

/** The signed-in user, refused by tenant and account state as the token endpoint does (§6.4, §6.6). */
export function userForToken(
  core: Core,
  auth: Authentication,
  resource: Resource,
): { user: UserRecord; tenant: TenantRecord } {
  const tenant = core.directory.tenant(auth.tid);
  const tenantRefusal = tenant ? TENANT_STATE[tenant.state] : "tenant_not_found";
  if (!tenant || tenantRefusal) fail(tenantRefusal ?? "tenant_not_found", { tenant: auth.tid });
  const user = core.directory.user(auth.oid);
  if (!user) fail("user_not_found", { tenant: tenant.domain });
  const refusal = USER_STATE_AT_TOKEN[user.state];
  if (refusal) fail(refusal, { tenant: tenant.domain, resource: resourceId(resource) });
  return { user, tenant };
}

export function wantsClientInfo(ctx: RequestContext): boolean {
  return ctx.form.get("client_info") === "1";
}
