/**
 * The emulator's directory: tenants, app registrations (with their service
 * principals), users and app-permission grants. Plain records mutated in
 * place by the control API; the protocol handlers only read them.
 * Bad arguments are programmer errors and throw at once.
 */
import { randomBytes } from "node:crypto";
import { type RegisteredCertificate, registerCertificate } from "./app-certificates.js";
import { GUID, guid, msaObjectId, randomBase64Url } from "./ids.js";
import { GRAPH_APP_ID } from "./scopes.js";
import type {
  EntraAppOptions,
  EntraAppState,
  EntraTenantOptions,
  EntraTenantState,
  EntraUserOptions,
  EntraUserState,
} from "./types.js";

/** The personal-account (MSA) tenant; `consumers` is its alias (docs/reference/entra-id.md §1.1). */
export const MSA_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad";

export interface TenantRecord {
  readonly id: string;
  readonly domain: string;
  readonly verifiedDomains: readonly string[];
  readonly regionScope: string;
  /** Key of the pairwise `sub` (§5.7): stable per tenant, secret to it. */
  readonly pairwiseSecret: Buffer;
  state: EntraTenantState;
  /** Conditional Access sign-in frequency (→ 70043 on refresh, §7). */
  signInFrequencySeconds: number | undefined;
}

export interface AppRecord {
  readonly clientId: string;
  readonly homeTenantId: string;
  readonly displayName: string;
  readonly secret: string | undefined;
  readonly certificates: readonly RegisteredCertificate[];
  readonly redirectUris: readonly string[];
  readonly publicClient: boolean;
  readonly identifierUri: string;
  readonly accessTokenVersion: 1 | 2;
  readonly multiTenant: boolean;
  readonly appRoles: readonly string[];
  /** Delegated permissions the app exposes as an API (`oauth2PermissionScopes` values); empty: not declared. */
  readonly scopes: readonly string[];
  readonly groupMembershipClaims: "None" | "SecurityGroup" | "All";
  readonly removeUnverifiedEmailClaim: boolean;
  state: EntraAppState;
  /** Service-principal object id per tenant the app is used in. */
  readonly servicePrincipals: Map<string, string>;
}

export interface UserRecord {
  readonly oid: string;
  readonly tid: string;
  readonly upn: string;
  password: string;
  readonly displayName: string;
  readonly givenName: string | undefined;
  readonly surname: string | undefined;
  readonly mail: string | undefined;
  readonly groups: readonly string[];
  readonly appRoles: ReadonlyMap<string, readonly string[]>;
  state: Exclude<EntraUserState, "tokens_revoked">;
  failedSignIns: number;
  /**
   * `TokensValidFrom` (§7): refresh tokens issued before it are revoked,
   * whoever holds them. Kept as a counter (exact under a frozen test clock)
   * plus the time, which the 50173 text quotes.
   */
  revocation: Revocation;
  /** The same for public-client (password-based token) refresh tokens only: password changes (§7). */
  publicRevocation: Revocation;
}

export interface Revocation {
  readonly epoch: number;
  readonly at: number;
}

export type Authority =
  | { readonly kind: "tenant"; readonly segment: string; readonly tenant: TenantRecord }
  | { readonly kind: "common" | "organizations"; readonly segment: string }
  | { readonly kind: "consumers"; readonly segment: string; readonly tenant: TenantRecord | undefined };

export class Directory {
  readonly #tenants = new Map<string, TenantRecord>();
  readonly #apps = new Map<string, AppRecord>();
  readonly #users = new Map<string, UserRecord>();
  readonly #grants = new Map<string, Set<string>>();
  /** App roles given to groups (§11.5): group id → api client id → role values. */
  readonly #groupRoles = new Map<string, Map<string, Set<string>>>();
  /**
   * Delegated permission grants set by a test, `client|api` → scope values. A pair not in the map has the
   * emulator's default: consent to everything the API exposes (the emulator has no consent prompt).
   */
  readonly #consents = new Map<string, readonly string[]>();
  /** Conditional Access policies requiring MFA, by the client id of the API they protect (§3.5). */
  readonly #mfaPolicies = new Map<string, string>();

  /** The tenant path segment (§1.1); `undefined` is an unknown (or deleted) tenant: 90002. */
  resolve(segment: string): Authority | undefined {
    const lower = segment.toLowerCase();
    if (lower === "common" || lower === "organizations") return { kind: lower, segment };
    if (lower === "consumers" || lower === MSA_TENANT_ID) {
      return { kind: "consumers", segment, tenant: this.#tenants.get(MSA_TENANT_ID) };
    }
    const tenant = GUID.test(lower)
      ? this.#tenants.get(lower)
      : [...this.#tenants.values()].find((t) => t.verifiedDomains.includes(lower));
    if (!tenant || tenant.state === "deleted") return undefined;
    return { kind: "tenant", segment, tenant };
  }

  tenant(id: string): TenantRecord | undefined {
    return this.#tenants.get(id.toLowerCase());
  }

  app(clientId: string): AppRecord | undefined {
    return this.#apps.get(clientId.toLowerCase());
  }

  apps(): AppRecord[] {
    return [...this.#apps.values()];
  }

  user(oid: string): UserRecord | undefined {
    return this.#users.get(oid.toLowerCase());
  }

  userByUpn(upn: string): UserRecord | undefined {
    const lower = upn.trim().toLowerCase();
    return [...this.#users.values()].find((user) => user.upn.toLowerCase() === lower);
  }

  /** The app as seen from tenant `tid`: its home tenant, or any tenant when multi-tenant. */
  appIn(clientId: string, tid: string): AppRecord | undefined {
    const app = this.app(clientId);
    if (!app) return undefined;
    return app.homeTenantId === tid || (app.multiTenant && tid !== MSA_TENANT_ID) ? app : undefined;
  }

  /** Object id of the app's service principal in `tid`, created on first use (as consent would). */
  servicePrincipalId(app: AppRecord, tid: string): string {
    let id = app.servicePrincipals.get(tid);
    if (!id) {
      id = guid();
      app.servicePrincipals.set(tid, id);
    }
    return id;
  }

  addTenant(options: EntraTenantOptions): TenantRecord {
    const id = (options.id ?? guid()).toLowerCase();
    if (!GUID.test(id)) throw new TypeError(`addTenant: id must be a GUID, got "${id}"`);
    if (this.#tenants.has(id)) throw new TypeError(`addTenant: tenant ${id} already exists`);
    const domain = (
      options.domain ?? `tenant${randomBase64Url(6).replace(/[-_]/g, "x")}.onmicrosoft.com`
    ).toLowerCase();
    const tenant: TenantRecord = {
      id,
      domain,
      verifiedDomains: [domain, ...(options.verifiedDomains ?? []).map((d) => d.toLowerCase())],
      regionScope: options.regionScope ?? "WW",
      pairwiseSecret: randomBytes(32),
      state: "active",
      signInFrequencySeconds: undefined,
    };
    this.#tenants.set(id, tenant);
    return tenant;
  }

  addApp(options: EntraAppOptions): AppRecord {
    const home = this.#requireTenant(options.tenantId, "addApp");
    const clientId = (options.clientId ?? guid()).toLowerCase();
    if (!GUID.test(clientId)) throw new TypeError(`addApp: clientId must be a GUID, got "${clientId}"`);
    if (this.#apps.has(clientId)) throw new TypeError(`addApp: app ${clientId} already exists`);
    const multiTenant = options.multiTenant ?? false;
    const app: AppRecord = {
      clientId,
      homeTenantId: home.id,
      displayName: options.displayName ?? `app-${clientId.slice(0, 8)}`,
      secret: options.secret,
      certificates: (options.certificates ?? []).map((c) => registerCertificate(c, "addApp")),
      redirectUris: options.redirectUris ?? [],
      publicClient: options.publicClient ?? false,
      identifierUri: options.identifierUri ?? `api://${clientId}`,
      accessTokenVersion: options.accessTokenVersion ?? 1,
      multiTenant,
      appRoles: options.appRoles ?? [],
      scopes: [...(options.scopes ?? [])],
      groupMembershipClaims: options.groupMembershipClaims ?? "None",
      removeUnverifiedEmailClaim: options.removeUnverifiedEmailClaim ?? multiTenant,
      state: "enabled",
      servicePrincipals: new Map(),
    };
    this.#apps.set(clientId, app);
    this.servicePrincipalId(app, home.id);
    return app;
  }

  addUser(options: EntraUserOptions): UserRecord {
    const tenant = this.#requireTenant(options.tenantId, "addUser");
    if (this.userByUpn(options.userPrincipalName)) {
      throw new TypeError(`addUser: ${options.userPrincipalName} already exists`);
    }
    const appRoles = new Map<string, readonly string[]>();
    for (const [apiClientId, roles] of Object.entries(options.appRoles ?? {})) {
      this.#checkRoles("addUser", apiClientId, roles);
      appRoles.set(apiClientId.toLowerCase(), [...roles]);
    }
    const user: UserRecord = {
      oid: tenant.id === MSA_TENANT_ID ? msaObjectId() : guid(),
      tid: tenant.id,
      upn: options.userPrincipalName,
      password: options.password,
      displayName:
        options.displayName ?? options.userPrincipalName.split("@")[0] ?? options.userPrincipalName,
      givenName: options.givenName,
      surname: options.surname,
      mail: options.mail,
      groups: options.groups ?? [],
      appRoles,
      state: "active",
      failedSignIns: 0,
      revocation: { epoch: 0, at: 0 },
      publicRevocation: { epoch: 0, at: 0 },
    };
    this.#users.set(user.oid, user);
    return user;
  }

  /** Application permissions of `clientAppId` on `apiClientId` (app role assignments to its service principal). */
  grantAppRoles(clientAppId: string, apiClientId: string, roles: readonly string[]): void {
    if (!this.app(clientAppId)) throw new TypeError(`grantAppRoles: unknown client app ${clientAppId}`);
    this.#checkRoles("grantAppRoles", apiClientId, roles);
    const key = `${clientAppId.toLowerCase()}|${apiClientId.toLowerCase()}`;
    const granted = this.#grants.get(key) ?? new Set<string>();
    for (const role of roles) granted.add(role);
    this.#grants.set(key, granted);
  }

  /** Gives (or, with `assigned` false, takes) an app role of `apiClientId` to a user (§11.5). */
  setUserAppRole(oid: string, apiClientId: string, role: string, assigned: boolean): void {
    const user = this.requireUser(oid, assigned ? "assignAppRole" : "unassignAppRole");
    this.#checkRoles(assigned ? "assignAppRole" : "unassignAppRole", apiClientId, [role]);
    const api = apiClientId.toLowerCase();
    const roles = new Set(user.appRoles.get(api) ?? []);
    if (assigned) roles.add(role);
    else roles.delete(role);
    (user.appRoles as Map<string, readonly string[]>).set(api, [...roles]);
  }

  /** Gives (or takes) an app role of `apiClientId` to a group: its direct members hold it (§11.5). */
  setGroupAppRole(groupId: string, apiClientId: string, role: string, assigned: boolean): void {
    this.#checkRoles(assigned ? "assignAppRole" : "unassignAppRole", apiClientId, [role]);
    const group = groupId.toLowerCase();
    const byApi = this.#groupRoles.get(group) ?? new Map<string, Set<string>>();
    const roles = byApi.get(apiClientId.toLowerCase()) ?? new Set<string>();
    if (assigned) roles.add(role);
    else roles.delete(role);
    byApi.set(apiClientId.toLowerCase(), roles);
    this.#groupRoles.set(group, byApi);
  }

  /** The app roles given to a group: api client id → role values. */
  groupAppRoles(groupId: string): ReadonlyMap<string, ReadonlySet<string>> {
    return this.#groupRoles.get(groupId.toLowerCase()) ?? new Map();
  }

  grantedAppRoles(clientAppId: string, apiClientId: string): string[] {
    return [...(this.#grants.get(`${clientAppId.toLowerCase()}|${apiClientId.toLowerCase()}`) ?? [])];
  }

  /**
   * The delegated permissions `clientAppId` holds on `apiClientId` (§3.5): `undefined` is the emulator's
   * default, everything the API exposes; an empty list is no consent at all.
   */
  consentedScopes(clientAppId: string, apiClientId: string): readonly string[] | undefined {
    return this.#consents.get(`${clientAppId.toLowerCase()}|${apiClientId.toLowerCase()}`);
  }

  /** `undefined` restores the default (consent to every scope the API exposes). */
  setConsent(clientAppId: string, apiClientId: string, scopes: readonly string[] | undefined): void {
    if (!this.app(clientAppId)) throw new TypeError(`setConsent: unknown client app ${clientAppId}`);
    this.#requireApi("setConsent", apiClientId);
    const key = `${clientAppId.toLowerCase()}|${apiClientId.toLowerCase()}`;
    if (scopes === undefined) this.#consents.delete(key);
    else this.#consents.set(key, [...scopes]);
  }

  /** The id of the Conditional Access policy that requires MFA for `apiClientId`, if any (§3.5). */
  mfaPolicy(apiClientId: string): string | undefined {
    return this.#mfaPolicies.get(apiClientId.toLowerCase());
  }

  setMfaPolicy(apiClientId: string, policyId: string | undefined): void {
    this.#requireApi("setConditionalAccess", apiClientId);
    if (policyId === undefined) {
      this.#mfaPolicies.delete(apiClientId.toLowerCase());
      return;
    }
    if (!GUID.test(policyId)) {
      throw new TypeError(`setConditionalAccess: the policy id must be a GUID, got "${policyId}"`);
    }
    this.#mfaPolicies.set(apiClientId.toLowerCase(), policyId.toLowerCase());
  }

  /** A registered app, or Microsoft Graph (the emulator serves Graph without registering it, §11). */
  #requireApi(caller: string, apiClientId: string): void {
    if (apiClientId.toLowerCase() === GRAPH_APP_ID) return;
    this.requireApp(apiClientId, caller);
  }

  requireUser(oid: string, caller: string): UserRecord {
    const user = this.user(oid);
    if (!user) throw new TypeError(`${caller}: unknown user ${oid}`);
    return user;
  }

  requireApp(clientId: string, caller: string): AppRecord {
    const app = this.app(clientId);
    if (!app) throw new TypeError(`${caller}: unknown app ${clientId}`);
    return app;
  }

  #requireTenant(id: string, caller: string): TenantRecord {
    const tenant = this.tenant(id);
    if (!tenant) throw new TypeError(`${caller}: unknown tenant ${id} (call addTenant first)`);
    return tenant;
  }

  #checkRoles(caller: string, apiClientId: string, roles: readonly string[]): void {
    const api = this.requireApp(apiClientId, caller);
    const unknown = roles.filter((role) => !api.appRoles.includes(role));
    if (unknown.length > 0) {
      throw new TypeError(`${caller}: ${api.clientId} defines no app role ${unknown.join(", ")}`);
    }
  }
}
