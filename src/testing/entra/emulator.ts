/**
 * `createEntraEmulator()`: a Microsoft Entra ID (login.microsoftonline.com)
 * stand-in on 127.0.0.1 for tests. It serves the v2 protocol — discovery,
 * keys, authorize with a sign-in page, token (code, refresh, client
 * credentials, device code, on-behalf-of), device code, logout — with the payload shapes
 * and AADSTS answers of docs/reference/entra-id.md, and lets a test set account, app and
 * tenant states, rotate keys and inject faults.
 */
import { CAE_RESOURCE_PATH } from "./cae-resource.js";
import { type Core, issuerV1, issuerV2 } from "./core.js";
import { Directory } from "./directory.js";
import { FaultPlan } from "./faults.js";
import { auditInitiator, recordUserStateChange } from "./graph-audit-log.js";
import { graphControl, userAdded, userStateChanged } from "./graph-control.js";
import { GraphState } from "./graph-state.js";
import type { EntraGraphControl } from "./graph-types.js";
import { KeyRing } from "./keys.js";
import { startServer } from "./server.js";
import { GrantStore } from "./store.js";
import { createTlsMaterial } from "./tls.js";
import type {
  EntraApp,
  EntraAppOptions,
  EntraAppState,
  EntraEmulatorOptions,
  EntraFault,
  EntraPasswordChange,
  EntraRequest,
  EntraTenant,
  EntraTenantOptions,
  EntraTenantState,
  EntraUser,
  EntraUserOptions,
  EntraUserState,
  EntraUserStateOptions,
} from "./types.js";

/**
 * A running emulator. Create it with {@link createEntraEmulator}. Its Microsoft Graph part: {@link EntraGraphControl}.
 *
 * @example
 * const entra = await createEntraEmulator();
 * const tenant = entra.addTenant();
 * const app = entra.addApp({ tenantId: tenant.id, secret: "s3cret", redirectUris: ["http://localhost:3000/cb"] });
 * const provider = entraId({ id: "entra", tenantId: tenant.id, clientId: app.clientId, clientSecret: "s3cret",
 *   authority: entra.url, v1IssuerBase: entra.v1IssuerBase });
 * afterAll(() => entra.close());
 */
export interface EntraEmulator extends EntraGraphControl {
  /**
   * With `https: true`, the PEM of the certificate authority the emulator made for itself (it signed the
   * server's certificate for `localhost` and `127.0.0.1`); otherwise `undefined`.
   *
   * @example
   * spawn("node", ["msal-app.mjs"], { env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile } });
   */
  readonly caCertificate: string | undefined;

  /**
   * `http://127.0.0.1:PORT` (`https://` with the `https` option) — stands in for
   * `https://login.microsoftonline.com`.
   *
   * @example
   * const discovery = await fetch(`${entra.url}/common/v2.0/.well-known/openid-configuration`);
   */
  readonly url: string;

  /**
   * The base of v1 issuers (the `v1IssuerBase` option; the emulator's own `url` by default). Real v1 issuers
   * are on `https://sts.windows.net`, another host than the authority (docs/reference/entra-id.md §1.5).
   *
   * @example
   * entraId({ id: "entra", tenantId, clientId, authority: entra.url, v1IssuerBase: entra.v1IssuerBase });
   */
  readonly v1IssuerBase: string;

  /**
   * `${url}/${tenant}`; `tenant` is a tenant id, `common`, `organizations`, `consumers` or a verified domain.
   *
   * @example
   * entraId({ id: "entra", tenantId: tenant.id, clientId, authority: entra.url }); // the SDK adds the tenant
   * entra.authority("organizations"); // "http://127.0.0.1:PORT/organizations"
   */
  authority(tenant: string): string;

  /**
   * `${url}/cae/resource`: a demo CAE-enabled API (docs/reference/entra-id.md §8). GET it with `Authorization: Bearer <access token>`:
   * 200, or — for a token of a `cp1` client whose user was revoked, disabled or changed password since the
   * token's `nbf` — 401 with the §8.3 `insufficient_claims` challenge.
   *
   * @example
   * const answer = await fetch(entra.caeResource, { headers: { authorization: `Bearer ${accessToken}` } });
   */
  readonly caeResource: string;

  /**
   * The v2 issuer of a tenant, `${url}/${tid}/v2.0` (docs/reference/entra-id.md §1.5).
   *
   * @example
   * expect(claims.iss).toBe(entra.issuerV2(tenant.id));
   */
  issuerV2(tid: string): string;

  /**
   * The v1 issuer of a tenant, `${v1IssuerBase}/${tid}/` with the trailing
   * slash. Real v1 issuers are on another host (`https://sts.windows.net`);
   * by default the emulator uses its own origin, so an SDK must take the v1
   * issuer base as configuration — see `v1IssuerBase`.
   *
   * @example
   * expect(claims.iss).toBe(entra.issuerV1(tenant.id)); // a v1 token (the API's accessTokenVersion is 1)
   */
  issuerV1(tid: string): string;

  /**
   * Creates a tenant (directory).
   *
   * @example
   * const tenant = entra.addTenant({ domain: "contoso.onmicrosoft.com" });
   */
  addTenant(options?: EntraTenantOptions): EntraTenant;

  /**
   * Registers an application (and its service principal in its home tenant).
   *
   * @example
   * const api = entra.addApp({ tenantId: tenant.id, accessTokenVersion: 2, appRoles: ["Orders.Read"] });
   * const web = entra.addApp({ tenantId: tenant.id, secret: "s3cret", redirectUris: ["http://localhost:3000/cb"] });
   */
  addApp(options: EntraAppOptions): EntraApp;

  /**
   * Creates a user in a tenant.
   *
   * @example
   * const user = entra.addUser({ tenantId: tenant.id, userPrincipalName: "ada@contoso.onmicrosoft.com", password: "pw" });
   * user.oid; // the subject an SDK should key on, with user.tid
   */
  addUser(options: EntraUserOptions): EntraUser;

  /**
   * Grants application permissions (app roles of `apiClientId`) to a client: they appear as `roles` in its
   * client-credentials tokens.
   *
   * @example
   * entra.grantAppRoles(service.clientId, api.clientId, ["Orders.Read"]);
   */
  grantAppRoles(clientAppId: string, apiClientId: string, roles: readonly string[]): void;

  /**
   * The delegated permissions (scope values) `clientAppId` holds on the API `apiClientId` — the
   * consent the on-behalf-of grant checks (docs/reference/entra-id.md §3.5). By default a client holds every
   * scope the API declares (`addApp({ scopes })`), as after admin consent; the emulator has no consent
   * prompt. `[]` is no consent at all: an on-behalf-of request for the API is then AADSTS65001
   * (`invalid_grant`, `consent_required`). `undefined` restores the default. `apiClientId` may be Microsoft
   * Graph's app id, `00000003-0000-0000-c000-000000000000`.
   *
   * @example
   * const downstream = entra.addApp({ tenantId: tenant.id, identifierUri: "api://downstream", scopes: ["Orders.Read"] });
   * entra.setConsent(web.clientId, downstream.clientId, []); // web's on-behalf-of: invalid_grant AADSTS65001
   * entra.setConsent(web.clientId, downstream.clientId, ["Orders.Read"]); // Orders.Read only
   * entra.setConsent(web.clientId, downstream.clientId, undefined); // everything it exposes again
   */
  setConsent(clientAppId: string, apiClientId: string, scopes: readonly string[] | undefined): void;

  /**
   * A Conditional Access policy on the API `apiClientId`: `grant: "mfa"` requires multifactor
   * authentication, so an on-behalf-of request for the API is AADSTS50076 (`invalid_grant`,
   * `basic_action`) with the claims challenge `{"access_token":{"capolids":{"essential":true,"values":[id]}}}`
   * (docs/reference/entra-id.md §3.5). The emulator's sign-in has no MFA step, so nothing satisfies the
   * policy; `undefined` removes it. `id` is the policy's object id (a GUID).
   *
   * @example
   * entra.setConditionalAccess(api.clientId, { id: "6c7a1b2c-0000-4000-8000-00000000ca01", grant: "mfa" });
   * entra.setConditionalAccess(api.clientId, undefined); // lifted
   */
  setConditionalAccess(
    apiClientId: string,
    policy: { readonly id: string; readonly grant: "mfa" } | undefined,
  ): void;

  /**
   * Puts an account in a state; the sign-in page and the token endpoint answer with its AADSTS code.
   * `"tokens_revoked"` revokes the refresh tokens issued so far (50173) and leaves the account usable.
   *
   * A change of the directory object — a disable, an enable, a deletion, a restore — also writes entries to the
   * tenant's directory audit log (`GET /v1.0/auditLogs/directoryAudits`, docs/reference/entra-id.md §13):
   * `Update user` with `AccountEnabled` `"[true]"` → `"[false]"` and `Disable account` (or, with
   * `activities`, one of them), `Enable account`, `Delete user`, `Restore user`. They name
   * `options.initiatedBy` as `initiatedBy`, by default the tenant's administrator `admin@<tenant domain>`.
   * `{ audit: false }` writes none: Microsoft acting on the account outside the tenant's log. Other states
   * (lockout, MFA, password expiry…) write nothing.
   *
   * @example
   * entra.setUserState(user.oid, "disabled"); // next refresh: invalid_grant AADSTS50057
   * entra.setUserState(user.oid, "disabled", { initiatedBy: { user: "it-admin@contoso.com" } });
   * entra.setUserState(user.oid, "disabled", { initiatedBy: { app: service.clientId }, activities: "update" });
   * entra.setUserState(user.oid, "disabled", { audit: false }); // no audit entry at all
   */
  setUserState(oid: string, state: EntraUserState, options?: EntraUserStateOptions): void;

  /**
   * @example
   * entra.setAppState(web.clientId, "secret_expired"); // invalid_client AADSTS7000222, HTTP 401
   */
  setAppState(clientId: string, state: EntraAppState): void;

  /**
   * @example
   * entra.setTenantState(tenant.id, "blocked"); // AADSTS5000225
   */
  setTenantState(tenantId: string, state: EntraTenantState): void;

  /**
   * Changes a password; refresh tokens die as the docs/reference/entra-id.md §7 matrix says for `how` (default `"user_change"`:
   * public clients' tokens revoked, confidential clients' alive). Also ends `password_expired`.
   *
   * @example
   * entra.changePassword(user.oid, "new-pw", "admin_reset_entra"); // every refresh token: 50173
   */
  changePassword(oid: string, password: string, how?: EntraPasswordChange): void;

  /**
   * Conditional Access sign-in frequency for a tenant; refresh tokens of older sign-ins get 70043.
   *
   * @example
   * entra.setSignInFrequency(tenant.id, 3600);
   */
  setSignInFrequency(tenantId: string, seconds: number | undefined): void;

  /**
   * A new key signs from now on and is published at once; the old one stays published unless `retireOld`
   * (what broke clients in March 2021: a key removed while its tokens still circulated). Resolves to the new `kid`.
   *
   * @example
   * const { kid } = await entra.rotateSigningKey({ retireOld: true });
   */
  rotateSigningKey(options?: { readonly retireOld?: boolean }): Promise<{ readonly kid: string }>;

  /**
   * Makes an endpoint misbehave until {@link EntraEmulator.clearFaults} (or for `times` requests).
   *
   * @example
   * entra.fault({ endpoint: "token", mode: "http503", retryAfterSeconds: 2, times: 1 });
   * entra.fault({ endpoint: "all", mode: "refused" });
   */
  fault(fault: EntraFault): void;

  /**
   * @example
   * entra.clearFaults();
   */
  clearFaults(): void;

  /**
   * Every request that reached the emulator, in order (faulted ones carry `fault`).
   *
   * @example
   * expect(entra.requests).toEqual([]); // nothing was fetched
   */
  readonly requests: readonly EntraRequest[];

  /**
   * Stops the server, cutting hung and open connections.
   *
   * @example
   * afterAll(() => entra.close());
   */
  close(): Promise<void>;
}

/**
 * Starts an Entra ID emulator on 127.0.0.1 (an ephemeral port unless `port` is given). Several can run in one
 * process; each has its own directory, keys and state.
 *
 * @example
 * import { createEntraEmulator } from "idswitch/testing";
 *
 * const entra = await createEntraEmulator();
 * const tenant = entra.addTenant({ domain: "contoso.onmicrosoft.com" });
 * const app = entra.addApp({ tenantId: tenant.id, secret: "s3cret", redirectUris: ["http://localhost:3000/cb"] });
 * const user = entra.addUser({ tenantId: tenant.id, userPrincipalName: "ada@contoso.onmicrosoft.com", password: "pw" });
 * // … point the SDK at entra.url, sign in through the emulator's page …
 * await entra.close();
 */
export async function createEntraEmulator(options: EntraEmulatorOptions = {}): Promise<EntraEmulator> {
  const now = options.now ?? Date.now;
  const faults = new FaultPlan();
  const requests: EntraRequest[] = [];
  const tls = options.https ? await createTlsMaterial(now()) : undefined;
  const server = await startServer(
    options.port ?? 0,
    faults,
    requests,
    tls && { key: tls.privateKey, cert: tls.certificate },
  );
  const url = `${tls ? "https" : "http"}://127.0.0.1:${server.port}`;
  const core: Core = {
    config: {
      url,
      v1IssuerBase: (options.v1IssuerBase ?? url).replace(/\/+$/, ""),
      accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds,
      lockoutThreshold: options.lockoutThreshold ?? 10,
      graphDeltaPageSize: options.graphDeltaPageSize ?? 100,
      graphDeltaMembersPerObject: options.graphDeltaMembersPerObject ?? 100,
      auditLogRetentionMs: (options.auditLogRetentionDays ?? 30) * 86_400_000,
      auditLogLatencyMs: (options.auditLogLatencySeconds ?? 0) * 1000,
      traceSuffix: options.traceSuffix ?? "spaces",
      errorOverrides: options.errorOverrides ?? {},
    },
    directory: new Directory(),
    keys: new KeyRing(now),
    store: new GrantStore(),
    graph: new GraphState(),
    now,
  };
  server.serve(core);
  const { directory } = core;

  return {
    ...graphControl(core),
    url,
    caCertificate: tls?.caCertificate,
    v1IssuerBase: core.config.v1IssuerBase,
    authority: (tenant) => `${url}/${tenant}`,
    caeResource: `${url}${CAE_RESOURCE_PATH}`,
    issuerV2: (tid) => issuerV2(core, tid),
    issuerV1: (tid) => issuerV1(core, tid),
    addTenant(tenantOptions = {}) {
      const tenant = directory.addTenant(tenantOptions);
      return { id: tenant.id, domain: tenant.domain };
    },
    addApp(appOptions) {
      const app = directory.addApp(appOptions);
      return {
        clientId: app.clientId,
        tenantId: app.homeTenantId,
        displayName: app.displayName,
        identifierUri: app.identifierUri,
        servicePrincipalId: directory.servicePrincipalId(app, app.homeTenantId),
      };
    },
    addUser(userOptions) {
      const user = directory.addUser(userOptions);
      userAdded(core, user);
      return { oid: user.oid, tid: user.tid, userPrincipalName: user.upn };
    },
    grantAppRoles: (clientAppId, apiClientId, roles) =>
      directory.grantAppRoles(clientAppId, apiClientId, roles),
    setConsent: (clientAppId, apiClientId, scopes) => directory.setConsent(clientAppId, apiClientId, scopes),
    setConditionalAccess: (apiClientId, policy) => directory.setMfaPolicy(apiClientId, policy?.id),
    setUserState(oid, state, stateOptions = {}) {
      const user = directory.requireUser(oid, "setUserState");
      const initiator = auditInitiator(core, user, stateOptions); // checked before anything changes
      if (state === "tokens_revoked") {
        user.revocation = { epoch: user.revocation.epoch + 1, at: now() };
        return;
      }
      const previous = user.state;
      user.state = state;
      if (state === "active") user.failedSignIns = 0;
      userStateChanged(core, user, previous);
      if (initiator) recordUserStateChange(core, user, previous, initiator, stateOptions);
    },
    setAppState(clientId, state) {
      directory.requireApp(clientId, "setAppState").state = state;
    },
    setTenantState(tenantId, state) {
      const tenant = directory.tenant(tenantId);
      if (!tenant) throw new TypeError(`setTenantState: unknown tenant ${tenantId}`);
      tenant.state = state;
    },
    changePassword(oid, password, how = "user_change") {
      const user = directory.requireUser(oid, "changePassword");
      user.password = password;
      if (user.state === "password_expired") user.state = "active";
      const revoked = { at: now() };
      if (how === "admin_reset_entra") user.revocation = { epoch: user.revocation.epoch + 1, ...revoked };
      else user.publicRevocation = { epoch: user.publicRevocation.epoch + 1, ...revoked };
    },
    setSignInFrequency(tenantId, seconds) {
      const tenant = directory.tenant(tenantId);
      if (!tenant) throw new TypeError(`setSignInFrequency: unknown tenant ${tenantId}`);
      tenant.signInFrequencySeconds = seconds;
    },
    async rotateSigningKey(rotation = {}) {
      return { kid: await core.keys.rotate(rotation.retireOld ?? false) };
    },
    fault: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    requests,
    close: () => server.close(),
  };
}
