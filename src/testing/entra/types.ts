/**
 * Public types of the Entra ID emulator (`idswitch/testing`). The state
 * names are the situations docs/reference/entra-id.md §6.6 lists; each maps to the AADSTS
 * error Entra ID answers with.
 */

/**
 * A user's account state. `tokens_revoked` is an event: it revokes earlier refresh tokens and leaves the account usable.
 *
 * @example
 * entra.setUserState(user.oid, "mfa_required"); // refresh: invalid_grant AADSTS50076 + basic_action
 */
export type EntraUserState =
  | "active"
  | "disabled"
  | "deleted"
  | "locked"
  | "password_expired"
  | "tokens_revoked"
  | "mfa_required"
  | "blocked_by_conditional_access";

/**
 * An app registration's state: `disabled` → 7000112, `secret_expired` → 7000222, `deleted` → 700016.
 *
 * @example
 * entra.setAppState(app.clientId, "disabled");
 */
export type EntraAppState = "enabled" | "disabled" | "secret_expired" | "deleted";

/**
 * `blocked`: blocked for inactivity (5000225); `decommissioned`: 5000224; `deleted`: gone (90002).
 *
 * @example
 * entra.setTenantState(tenant.id, "deleted"); // discovery and token: invalid_tenant AADSTS90002
 */
export type EntraTenantState = "active" | "blocked" | "deleted" | "decommissioned";

/**
 * How a password changed — the rows of the refresh-token revocation matrix
 * (docs/reference/entra-id.md §7): a user change, SSPR or a portal reset revokes the refresh
 * tokens of public clients only; a reset in the Entra admin center revokes
 * confidential clients' too.
 *
 * @example
 * entra.changePassword(user.oid, "n3w-pw", "sspr");
 */
export type EntraPasswordChange = "user_change" | "sspr" | "admin_reset_portal" | "admin_reset_entra";

/**
 * Which endpoint a fault hits: `discovery` (v1/v2 documents, instance discovery), `jwks`, `token`,
 * `authorize` (authorize and the sign-in form), `devicecode`, `graph` (Microsoft Graph, `/v1.0/...`),
 * or `all` (every path, pages included).
 *
 * @example
 * entra.fault({ endpoint: "jwks", mode: "hang" });
 */
export type EntraFaultEndpoint =
  | "discovery"
  | "jwks"
  | "token"
  | "authorize"
  | "devicecode"
  | "graph"
  | "all";

/**
 * `refused` resets the connection unanswered; `hang` never answers; `slow` answers after `delayMs`;
 * `http500`/`http503`/`http429` answer Entra-shaped errors; `malformed_json` a 200 that does not parse;
 * `truncated` half of the real body, then the connection drops.
 *
 * @example
 * entra.fault({ endpoint: "token", mode: "truncated", times: 1 });
 */
export type EntraFaultMode =
  | "refused"
  | "http500"
  | "http503"
  | "http429"
  | "hang"
  | "slow"
  | "malformed_json"
  | "truncated";

/**
 * A fault to inject with `entra.fault()`.
 *
 * @example
 * const outage: EntraFault = { endpoint: "all", mode: "http503", retryAfterSeconds: 30 };
 */
export interface EntraFault {
  readonly endpoint: EntraFaultEndpoint;
  readonly mode: EntraFaultMode;
  /** `Retry-After` for http429/http503 (default 5 s for 429, none for 503). */
  readonly retryAfterSeconds?: number;
  /** Delay for `slow` (default 2000 ms). */
  readonly delayMs?: number;
  /** How many matching requests the fault affects; unlimited when absent. */
  readonly times?: number;
}

/**
 * One request that reached the emulator (`entra.requests`).
 *
 * @example
 * expect(entra.requests.filter((r) => r.path.endsWith("/token"))).toHaveLength(1);
 */
export interface EntraRequest {
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  /** The fault applied to this request, if any. */
  readonly fault?: EntraFaultMode;
}

/**
 * Options of `entra.addTenant()`.
 *
 * @example
 * entra.addTenant({ domain: "contoso.onmicrosoft.com", verifiedDomains: ["contoso.com"], regionScope: "EU" });
 */
export interface EntraTenantOptions {
  /** The tenant id (a GUID); generated if absent. */
  readonly id?: string;
  /** The verified default domain; `<random>.onmicrosoft.com` if absent. */
  readonly domain?: string;
  /** Further verified domains (they decide `xms_edov`, docs/reference/entra-id.md §5.7). */
  readonly verifiedDomains?: readonly string[];
  /** `tenant_region_scope` of the tenant's discovery documents (default `"WW"`). */
  readonly regionScope?: string;
}

/**
 * A tenant created by `entra.addTenant()`.
 *
 * @example
 * const { id, domain } = entra.addTenant();
 */
export interface EntraTenant {
  readonly id: string;
  readonly domain: string;
}

/**
 * Options of `entra.addApp()`: the parts of an app registration (and its manifest) that change tokens.
 *
 * @example
 * entra.addApp({ tenantId: tenant.id, identifierUri: "api://orders", accessTokenVersion: 2, appRoles: ["Orders.Read"] });
 */
export interface EntraAppOptions {
  /** The home tenant of the registration. */
  readonly tenantId: string;
  /** The application (client) id; a GUID is generated if absent. */
  readonly clientId?: string;
  readonly displayName?: string;
  /** A client secret makes the app confidential. */
  readonly secret?: string;
  /**
   * Certificates (`keyCredentials`, docs/reference/entra-id.md §9.2), PEM or base64 DER: the app then authenticates with a
   * `private_key_jwt` assertion signed by one of their keys (PS256 + `x5t#S256`, or RS256 + `x5t`).
   * A certificate makes the app confidential. See `createClientCertificate()`.
   */
  readonly certificates?: readonly string[];
  readonly redirectUris?: readonly string[];
  /** "Allow public client flows": no credentials, device flow. */
  readonly publicClient?: boolean;
  /** Application ID URI; default `api://<clientId>`. */
  readonly identifierUri?: string;
  /** `accessTokenAcceptedVersion` of this app *as a resource*: `1` (the default, like `null`) or `2` (§1.5). */
  readonly accessTokenVersion?: 1 | 2;
  /** Accounts in any organizational directory. */
  readonly multiTenant?: boolean;
  /** App roles this app defines as an API (`roles` in tokens for it). */
  readonly appRoles?: readonly string[];
  /**
   * Delegated permissions this app exposes as an API ("Expose an API", the manifest's
   * `oauth2PermissionScopes` values), e.g. `["Orders.Read"]`. When declared, an on-behalf-of request for
   * `<api>/.default` gets exactly the consented ones in `scp`, and a scope the client holds no consent for
   * is AADSTS65001 (docs/reference/entra-id.md §3.5; consent: `entra.setConsent()`). Default: none declared,
   * any scope name is accepted and `.default` stands for `user_impersonation`.
   */
  readonly scopes?: readonly string[];
  /** The manifest's `groupMembershipClaims`; `groups` are emitted only when set (§5.4). Default `"None"`. */
  readonly groupMembershipClaims?: "None" | "SecurityGroup" | "All";
  /**
   * `authenticationBehaviors.removeUnverifiedEmailClaim` (§5.7): drop `email`
   * when its domain is not verified in the user's tenant. Default: on for
   * multi-tenant apps (Microsoft's default for new ones since June 2023).
   */
  readonly removeUnverifiedEmailClaim?: boolean;
}

/**
 * An app registered by `entra.addApp()`.
 *
 * @example
 * const scope = `${api.identifierUri}/.default`;
 */
export interface EntraApp {
  readonly clientId: string;
  readonly tenantId: string;
  readonly displayName: string;
  readonly identifierUri: string;
  /** Object id of the app's service principal in its home tenant (`oid`/`sub` of its app-only tokens). */
  readonly servicePrincipalId: string;
}

/**
 * Options of `entra.addUser()`.
 *
 * @example
 * entra.addUser({ tenantId: tenant.id, userPrincipalName: "ada@contoso.com", password: "pw", groups: [groupId] });
 */
export interface EntraUserOptions {
  readonly tenantId: string;
  readonly userPrincipalName: string;
  readonly password: string;
  readonly displayName?: string;
  readonly givenName?: string;
  readonly surname?: string;
  /** The `mail` attribute; flows into `email` (unverified unless its domain is verified, §5.7). */
  readonly mail?: string;
  /** Group object ids. */
  readonly groups?: readonly string[];
  /** App roles assigned to the user, by the API's client id. */
  readonly appRoles?: Readonly<Record<string, readonly string[]>>;
}

/**
 * A user created by `entra.addUser()`; `oid` + `tid` identify the person (docs/reference/entra-id.md §5.7).
 *
 * @example
 * expect(principal).toMatchObject({ subject: user.oid, tenant: user.tid });
 */
export interface EntraUser {
  readonly oid: string;
  readonly tid: string;
  readonly userPrincipalName: string;
}

/**
 * Options of `createEntraEmulator()`.
 *
 * @example
 * let now = Date.now();
 * const entra = await createEntraEmulator({ now: () => now, accessTokenLifetimeSeconds: 300, traceSuffix: "crlf" });
 * now += 91 * 86_400_000; // refresh tokens are now 700082
 */
export interface EntraEmulatorOptions {
  /** Port on 127.0.0.1; ephemeral when absent. */
  readonly port?: number;
  /**
   * Base of v1 issuers. Real v1 issuers live on another host
   * (`https://sts.windows.net/<tid>/`, §1.5); the default is the emulator's
   * own origin, so v1 discovery can be fetched and its issuer still ends in
   * `/<tid>/`. Pass `"https://sts.windows.net"` to mint the real strings.
   */
  readonly v1IssuerBase?: string;
  /** The clock, in epoch milliseconds (default `Date.now`). Codes, refresh tokens and device codes expire by it. */
  readonly now?: () => number;
  /** Fixed access-token lifetime; default random 60–90 minutes like Entra (§3.4). */
  readonly accessTokenLifetimeSeconds?: number;
  /**
   * How `error_description` ends (§6.1): `"spaces"` — current service, one
   * line — or `"crlf"` — before ~2023, `\r\n` separated. Default `"spaces"`.
   */
  readonly traceSuffix?: "spaces" | "crlf";
  /**
   * Per-AADSTS-code changes of the top-level answer: §6.5 says `error`
   * differs between endpoints and over time for the same code, so make it
   * configurable. `suberror: null` removes the suberror.
   */
  readonly errorOverrides?: Readonly<
    Record<number, { readonly error?: string; readonly suberror?: string | null; readonly status?: number }>
  >;
  /** Wrong passwords before smart lockout locks the account (Entra's default threshold: 10). */
  readonly lockoutThreshold?: number;
  /**
   * Serve HTTPS with a certificate authority generated for this emulator (`emulator.caCertificate`), for
   * clients that refuse `http:` authorities — MSAL among them.
   */
  readonly https?: boolean;
  /** Users per page of a Graph `/users/delta` round (default 100 [guess]; the service picks it, §11.3). */
  readonly graphDeltaPageSize?: number;
  /**
   * Members per group object in a Graph `/groups/delta` round (default 100 [guess]): a group with more is
   * listed again with the next members, as Graph splits a large membership (§11.8).
   */
  readonly graphDeltaMembersPerObject?: number;
  /**
   * How long the directory audit log keeps an entry (§13.4): 30 days with Entra ID P1/P2, the default;
   * 7 with Entra ID Free. Older entries drop out of `/auditLogs/directoryAudits`.
   */
  readonly auditLogRetentionDays?: number;
  /**
   * How long after the change an audit entry shows up in `/auditLogs/directoryAudits` (§13.4: 2 minutes
   * for 95 % of entries, 5 for 99 %). Default 0, so tests need not wait; set it to test a reader that must
   * cope with a disable Graph already shows and the log does not yet.
   */
  readonly auditLogLatencySeconds?: number;
}

/**
 * A user named in a directory-audit entry as its initiator (`initiatedBy.user`, docs/reference/entra-id.md §13)
 * who is not a user of the emulator — a guest administrator, a partner's technician. Missing fields are `null`.
 *
 * @example
 * entra.setUserState(user.oid, "disabled", {
 *   initiatedBy: { user: { id: "0f0e0d0c-0b0a-4909-8807-060504030201", userPrincipalName: "tech@partner.example" } },
 * });
 */
export interface EntraAuditUser {
  readonly id: string | null;
  readonly displayName?: string | null;
  readonly userPrincipalName?: string | null;
  readonly ipAddress?: string | null;
}

/**
 * An app named as the initiator of a directory-audit entry (`initiatedBy.app`, §13) that is not registered in
 * the emulator — a Microsoft first-party service, say. Missing fields are `null`.
 *
 * @example
 * entra.setUserState(user.oid, "disabled", { initiatedBy: { app: { appId: null, displayName: "Microsoft Online Services" } } });
 */
export interface EntraAuditApp {
  readonly appId: string | null;
  readonly displayName?: string | null;
  readonly servicePrincipalId?: string | null;
  readonly servicePrincipalName?: string | null;
}

/**
 * Who made a change, as the directory audit log names them (`initiatedBy`, §13.2): a user of the emulator by
 * UPN or object id (with the client IP the entry records), an app registered in the emulator by client id
 * (`appId`) or service principal id, or either given field by field.
 *
 * @example
 * entra.setUserState(user.oid, "disabled", { initiatedBy: { user: "it-admin@contoso.com", ipAddress: "203.0.113.7" } });
 * entra.setUserState(user.oid, "deleted", { initiatedBy: { app: service.clientId } });
 */
export type EntraAuditInitiator =
  | { readonly user: string | EntraAuditUser; readonly ipAddress?: string }
  | { readonly app: string | EntraAuditApp };

/**
 * Options of `entra.setUserState()`: who the directory audit log says made the change (§13.3).
 *
 * @example
 * entra.setUserState(user.oid, "disabled", { initiatedBy: { user: "it-admin@contoso.com" } });
 * entra.setUserState(user.oid, "disabled", { audit: false }); // Microsoft acting outside the tenant's log
 */
export interface EntraUserStateOptions {
  /**
   * The initiator of the audit entries the change writes. Default: the tenant's administrator
   * `admin@<tenant domain>` (the emulator's user of that name if there is one, else a stand-in).
   */
  readonly initiatedBy?: EntraAuditInitiator;
  /**
   * `false`: the change writes no audit entry at all — how the emulator models Microsoft acting on an
   * account outside the tenant's own log. Not together with `initiatedBy`. Default `true`.
   */
  readonly audit?: boolean;
  /**
   * Which entries a disable or an enable writes: `"account"` — `Disable account` / `Enable account`;
   * `"update"` — `Update user` with the `AccountEnabled` change; `"both"` (the default), sharing one
   * `correlationId`. Deletion and restore write `Delete user` / `Restore user` either way.
   */
  readonly activities?: "both" | "account" | "update";
}

/**
 * Options of `entra.addGroup()`.
 *
 * @example
 * const admins = entra.addGroup({ tenantId: tenant.id, displayName: "Admins" });
 */
export interface EntraGroupOptions {
  readonly tenantId: string;
  /** The group's object id (a GUID); generated if absent. */
  readonly id?: string;
  readonly displayName?: string;
  readonly description?: string;
  /** Security groups are what `groupMembershipClaims: "SecurityGroup"` and `securityEnabledOnly` count (default true). */
  readonly securityEnabled?: boolean;
}

/**
 * A group created by `entra.addGroup()`.
 *
 * @example
 * entra.addMember(group.id, user.oid);
 */
export interface EntraGroup {
  readonly id: string;
  readonly tenantId: string;
  readonly displayName: string;
}

/**
 * Throttling of the emulator's Microsoft Graph (docs/reference/entra-id.md §11.6): the next
 * `times` Graph requests answer 429 `TooManyRequests`.
 *
 * @example
 * entra.throttleGraph({ times: 1, retryAfterSeconds: 0.25 }); // Retry-After: 0.25
 * entra.throttleGraph({ times: 1, retryAfterSeconds: null }); // no Retry-After: back off on your own
 */
export interface EntraGraphThrottle {
  /** How many Graph requests are refused (default 1). */
  readonly times?: number;
  /** `Retry-After` in seconds, fractional allowed; `null` sends none (default 2). */
  readonly retryAfterSeconds?: number | null;
}
