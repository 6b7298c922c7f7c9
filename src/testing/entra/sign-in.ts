/**
 * What happens when a person types a username and password on one of the
 * emulator's pages (the sign-in page, the device page): which tenant may
 * sign in through the authority, smart lockout, and the account states of
 * docs/reference/entra-id.md §6.4/§6.6. Refusals are thrown as `EntraProblem`s; the page decides
 * how to show them (§2.3).
 */
import { TENANT_STATE, USER_STATE_AT_SIGN_IN } from "./aadsts.js";
import { type Core, issuerV1 } from "./core.js";
import { type AppRecord, type Authority, MSA_TENANT_ID, type UserRecord } from "./directory.js";
import { fail } from "./errors.js";
import { guid } from "./ids.js";
import { GRAPH_APP_ID, type Resource } from "./scopes.js";
import type { Authentication } from "./store.js";

/** Whether `user` may sign in through this tenant segment (§1.1). */
export function admits(authority: Authority, user: UserRecord): boolean {
  switch (authority.kind) {
    case "tenant":
      return authority.tenant.id === user.tid;
    case "organizations":
      return user.tid !== MSA_TENANT_ID;
    case "consumers":
      return user.tid === MSA_TENANT_ID;
    case "common":
      return true;
  }
}

export function resourceId(resource: Resource): string {
  return resource.kind === "graph" ? GRAPH_APP_ID : resource.app.clientId;
}

export function authorityLabel(authority: Authority): string {
  return authority.kind === "tenant" ? authority.tenant.domain : authority.segment;
}

/** Throws the refusal for `user`'s current state at an interactive sign-in, if any. */
export function checkAccountAtSignIn(core: Core, user: UserRecord, resource: Resource): void {
  const tenant = core.directory.tenant(user.tid);
  const tenantRefusal = tenant ? TENANT_STATE[tenant.state] : "tenant_not_found";
  if (tenantRefusal) fail(tenantRefusal, { tenant: user.tid });
  const refusal = USER_STATE_AT_SIGN_IN[user.state];
  if (refusal) fail(refusal, { tenant: tenant?.domain ?? user.tid, resource: resourceId(resource) });
}

export function signInWithPassword(
  core: Core,
  authority: Authority,
  client: AppRecord,
  resource: Resource,
  login: string,
  password: string,
): Authentication {
  const user = core.directory.userByUpn(login);
  const tenantLabel = authorityLabel(authority);
  if (!user || user.state === "deleted") fail("user_not_found", { tenant: tenantLabel });
  if (!admits(authority, user)) {
    if (authority.kind !== "tenant") fail("user_not_found", { tenant: tenantLabel });
    fail("user_wrong_tenant", {
      idp: issuerV1(core, user.tid),
      tenantName: authority.tenant.domain,
      clientId: client.clientId,
      appName: client.displayName,
    });
  }
  // Smart lockout answers 50053 even to the right password while the lock lasts.
  if (user.state === "locked") fail("user_locked");
  if (password !== user.password) {
    user.failedSignIns += 1;
    if (user.failedSignIns >= core.config.lockoutThreshold) user.state = "locked";
    fail("invalid_credentials");
  }
  user.failedSignIns = 0;
  checkAccountAtSignIn(core, user, resource);
  // A single-tenant app cannot be used from another tenant, even through /organizations.
  if (!core.directory.appIn(client.clientId, user.tid)) {
    fail("user_wrong_tenant", {
      idp: issuerV1(core, user.tid),
      tenantName: client.homeTenantId,
      clientId: client.clientId,
      appName: client.displayName,
    });
  }
  const auth: Authentication = { oid: user.oid, tid: user.tid, sid: guid(), authTime: core.now() };
  core.store.startSession(auth);
  return auth;
}
