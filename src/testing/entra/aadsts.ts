/**
 * The AADSTS table: every refusal the emulator can give, as data. A row is
 * what Entra answers in one situation — the AADSTS number, the top-level
 * `error`, the HTTP status at the JSON endpoints, the `suberror`, the text
 * after `AADSTSnnnn: ` ({placeholders} filled per request) and how the
 * authorize endpoint delivers it (docs/reference/entra-id.md §2.3):
 *
 * - `page`: an HTML error page at login.microsoftonline.com; never
 *   redirected, because the redirect URI cannot be trusted yet (or the
 *   problem is the app's own registration);
 * - `form`: the sign-in form shown again with the message (a user can retry);
 * - `redirect`: back to the app's redirect URI with `error` (=
 *   `redirectError` when it differs from the token endpoint's).
 *
 * Each row names the docs/reference/entra-id.md section it comes from; `[guess]` marks values
 * the document leaves open. Texts are the server's wording where docs/reference/entra-id.md or
 * the public error reference quotes it.
 */
import type { EntraAppState, EntraTenantState, EntraUserState } from "./types.js";

export type Delivery = "page" | "form" | "redirect";

export interface AadstsRow {
  readonly code: number;
  readonly error: string;
  readonly status: number;
  readonly suberror?: string;
  readonly authorize: Delivery;
  readonly redirectError?: string;
  /**
   * The top-level `error` of the v1 token endpoint (`/oauth2/token`) when it
   * differs from v2's: v1 tends to say `interaction_required` where v2 says
   * `invalid_grant`, same `suberror` (§6.5: seen for 50076, 53003, 70043).
   */
  readonly v1Error?: string;
  readonly message: string;
  /** What the sign-in page tells a person (form rows). */
  readonly userText?: string;
  /** `error_uri` is omitted "when no extra info exists" (§6.1; absent in the 70043 sample). */
  readonly errorUri?: false;
  readonly section: string;
}

const row = (r: AadstsRow): AadstsRow => r;

export const AADSTS = {
  // ---- tenants ------------------------------------------------------------------------------
  tenant_not_found: row({
    code: 90002,
    error: "invalid_tenant",
    status: 400,
    authorize: "page",
    message:
      "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.",
    section: "§1.4, §6.4 (90002 payload)",
  }),
  tenant_blocked: row({
    code: 5000225,
    error: "interaction_required", // [guess] §6.4 saw both this and invalid_grant; the verbatim 2025 line has this
    status: 400,
    authorize: "page",
    message:
      "This tenant has been blocked due to inactivity. To learn more about tenant lifecycle policies, see https://aka.ms/TenantLifecycle",
    section: "§6.4, §6.6",
  }),
  tenant_decommissioned: row({
    code: 5000224,
    error: "invalid_grant", // [guess] MSAL.NET surfaces it as UI-required (§6.4)
    status: 400,
    authorize: "page",
    message: "We are sorry, this resource is not available.",
    section: "§6.4, §6.6",
  }),

  // ---- users --------------------------------------------------------------------------------
  invalid_credentials: row({
    code: 50126,
    error: "invalid_grant",
    status: 400,
    authorize: "form",
    message: "Error validating credentials due to invalid username or password.",
    userText: "Your account or password is incorrect. If you don't remember your password, reset it now.",
    section: "§6.4",
  }),
  user_not_found: row({
    code: 50034,
    error: "invalid_grant",
    status: 400,
    suberror: "bad_token", // v2 recording (§6.4)
    authorize: "form",
    message:
      "The user account {EUII Hidden} does not exist in the {tenant} directory. To sign into this application, the account must be added to the directory.",
    userText:
      "This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin.",
    section: "§6.4, §6.6 (user deleted)",
  }),
  user_disabled: row({
    code: 50057,
    error: "invalid_grant",
    status: 400,
    authorize: "form",
    message: "The user account is disabled.",
    userText: "Your account has been locked. Contact your support person to unlock it, then try again.",
    section: "§6.1, §6.4 (azure-cli#18945 payload)",
  }),
  user_locked: row({
    code: 50053,
    error: "invalid_grant", // v1 ROPC said unauthorized_client; other clients report invalid_grant (§6.4)
    status: 400,
    authorize: "form",
    message: "You've tried to sign in too many times with an incorrect user ID or password.",
    userText:
      "Your account is temporarily locked to prevent unauthorized use. Try again later, and if you still have trouble, contact your admin.",
    section: "§6.4, §6.6 (smart lockout)",
  }),
  password_expired: row({
    code: 50055,
    error: "user_password_expired",
    status: 400,
    suberror: "user_password_expired",
    authorize: "form",
    message: "The password is expired.",
    userText: "Your password has expired. Update your password.",
    section: "§6.4 (D-HDI payload)",
  }),
  user_wrong_tenant: row({
    code: 50020,
    error: "invalid_request",
    status: 400,
    authorize: "page",
    message:
      "User account '{EUII Hidden}' from identity provider '{idp}' does not exist in tenant '{tenantName}' and cannot access the application '{clientId}'({appName}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.",
    section: "§2.3 (not redirected), §6.4",
  }),
  mfa_required: row({
    code: 50076,
    error: "invalid_grant",
    status: 400,
    suberror: "basic_action",
    authorize: "redirect",
    redirectError: "interaction_required",
    v1Error: "interaction_required", // §6.5
    message:
      "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '{resource}'.",
    section: "§6.4 (50076 payload), §6.5",
  }),
  ca_blocked: row({
    code: 53003,
    error: "invalid_grant",
    status: 400,
    suberror: "message_only",
    authorize: "redirect",
    v1Error: "interaction_required", // §6.4 (v1 payload), §6.5
    redirectError: "access_denied", // [guess] §2.3 lists access_denied among authorize errors; §6.4 has no redirect capture
    message:
      "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
    section: "§6.4 (53003 payload), §6.5",
  }),
  login_required: row({
    code: 50058,
    error: "login_required",
    status: 400,
    authorize: "redirect",
    message: "A silent sign-in request was sent but no user is signed in.",
    section: "§2.3, §6.4",
  }),

  // ---- refresh tokens (§7) --------------------------------------------------------------------
  grant_revoked: row({
    code: 50173,
    error: "invalid_grant",
    status: 400,
    suberror: "bad_token", // "newer" answers (§6.4)
    authorize: "redirect",
    message:
      "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '{issuedOn}' and the TokensValidFrom date (before which tokens are not valid) for this user is '{validFrom}'.",
    section: "§6.4 (50173 payload), §7",
  }),
  refresh_token_inactive: row({
    code: 700082,
    error: "invalid_grant",
    status: 400,
    authorize: "redirect",
    message:
      "The refresh token has expired due to inactivity. The token was issued on {issuedOn} and was inactive for {inactiveFor}.",
    section: "§3.4 (90 days), §6.4",
  }),
  sign_in_frequency: row({
    code: 70043,
    error: "invalid_grant",
    status: 400,
    suberror: "token_expired",
    authorize: "redirect",
    errorUri: false,
    v1Error: "interaction_required", // §6.4 (v1: interaction_required + token_expired), §6.5
    message:
      "The refresh token has expired or is invalid due to sign-in frequency checks by conditional access. The token was issued on {issuedOn} and the maximum allowed lifetime for this request is {maxAge}.",
    section: "§6.4 (70043 payload), §7",
  }),
  grant_malformed: row({
    code: 9002313,
    error: "invalid_grant",
    status: 400,
    authorize: "redirect",
    message: "Invalid request. Request is malformed or invalid.",
    section: "§6.4",
  }),
  grant_other_client: row({
    code: 70000,
    error: "invalid_grant",
    status: 400,
    authorize: "redirect",
    message: "Provided grant is invalid or malformed.",
    section: "§6.4 [guess: which code Entra uses for another client's grant]",
  }),

  // ---- on-behalf-of (§3.5): the `assertion` a middle tier presents ---------------------------
  // Unlike a client assertion (§9.2, `invalid_client`), a bad user assertion is a bad grant: every
  // published OBO answer says `invalid_grant` (§3.5).
  obo_assertion_invalid: row({
    code: 50013,
    error: "invalid_grant",
    status: 400,
    authorize: "page",
    message: "Assertion is invalid because of various reasons: {why}.", // [guess] wording; the code is the error reference's InvalidAssertion
    section: "§3.5 [guess: text]",
  }),
  obo_assertion_key_not_found: row({
    code: 50013,
    error: "invalid_grant",
    status: 400,
    authorize: "page",
    // The published answer is cut off after "The key was not found., Please visit t": abbreviated here.
    message: "Assertion failed signature validation. [Reason - The key was not found.]",
    section: "§3.5 (Microsoft Q&A 1515922, abbreviated)",
  }),
  obo_assertion_bad_signature: row({
    code: 50013,
    error: "invalid_grant",
    status: 400,
    authorize: "page",
    message:
      "Assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '{thumbprint}', Found key 'Start={start}, End={end}']",
    section: "§3.5 (microsoft-authentication-library-for-dotnet#1317)",
  }),
  obo_assertion_audience: row({
    code: 500131,
    error: "invalid_grant",
    status: 400,
    authorize: "page",
    message:
      "Assertion audience does not match the Client app presenting the assertion. The audience in the assertion was '{audience}' and the expected audience is '{expected}' or one of the Application Uris of this application with App ID '{clientId}'({appName}). The downstream client must request a token for the expected audience (the application that made the OBO request) and this application should use that token as the assertion.",
    section:
      "§3.5 (microsoft-teams-apps-company-communicator#214, microsoft-authentication-library-for-java#38)",
  }),
  obo_assertion_expired: row({
    code: 500133,
    error: "invalid_grant",
    status: 400,
    authorize: "page",
    message:
      "Assertion is not within its valid time range. Ensure that the access token is not expired before using it for user assertion, or request a new token. Current time: {now}, expiry time of assertion {expiry}.",
    section: "§3.5 (msgraph-sdk-dotnet#2551)",
  }),
  consent_missing: row({
    code: 65001,
    error: "invalid_grant",
    status: 400,
    suberror: "consent_required",
    authorize: "redirect", // [guess] with `error_uri`, like the other rows: the captures are abridged
    message:
      "The user or administrator has not consented to use the application with ID '{clientId}' named '{appName}'. Send an interactive authorization request for this user and resource.",
    section: "§3.5, §6.4 (65001)",
  }),

  // ---- authorization codes and PKCE -----------------------------------------------------------
  code_redeemed: row({
    code: 54005,
    error: "invalid_grant",
    status: 400,
    authorize: "redirect",
    message:
      "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
    section: "§2.2, §6.4",
  }),
  code_expired: row({
    code: 70008,
    error: "invalid_grant",
    status: 400,
    authorize: "redirect",
    message:
      "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
    section: "§3.4 (~10 min), §6.4",
  }),
  code_wrong_tenant: row({
    code: 700005,
    error: "invalid_grant",
    status: 400,
    authorize: "redirect",
    message: "Provided Authorization Code is intended to use against other tenant, thus rejected.",
    section: "§6.4",
  }),
  code_redirect_mismatch: row({
    code: 500112,
    error: "invalid_grant", // [guess] not in docs/reference/entra-id.md
    status: 400,
    authorize: "redirect",
    message:
      "The reply address '{redirectUri}' does not match the reply address '{expected}' provided when requesting Authorization code.",
    section: "[guess] not in docs/reference/entra-id.md",
  }),
  pkce_verifier_missing: row({
    code: 50148,
    error: "invalid_grant",
    status: 400,
    authorize: "redirect",
    message:
      "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.",
    section: "[guess] not in docs/reference/entra-id.md; a public 2022 payload without code_verifier",
  }),
  pkce_mismatch: row({
    code: 501481,
    error: "invalid_grant",
    status: 400,
    authorize: "redirect",
    message: "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
    section: "[guess] not in docs/reference/entra-id.md; Microsoft error reference",
  }),
  pkce_challenge_invalid: row({
    code: 501491,
    error: "invalid_request",
    status: 400,
    authorize: "redirect",
    message: "Invalid size of Code_Challenge parameter.",
    section: "[guess] not in docs/reference/entra-id.md; Microsoft error reference",
  }),

  // ---- apps and client authentication ---------------------------------------------------------
  app_not_found: row({
    code: 700016,
    error: "unauthorized_client",
    status: 400,
    authorize: "page",
    message:
      "Application with identifier '{clientId}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
    section: "§2.3, §6.4, §6.6",
  }),
  app_disabled: row({
    code: 7000112,
    error: "unauthorized_client",
    status: 400,
    authorize: "page",
    message: "Application '{clientId}'({appName}) is disabled.",
    section: "§2.3, §6.4, §6.6",
  }),
  secret_invalid: row({
    code: 7000215,
    error: "invalid_client",
    status: 401,
    authorize: "page",
    message:
      "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{clientId}'.",
    section: "§6.1 (401), §6.4 (7000215 payload), §9.1",
  }),
  secret_expired: row({
    code: 7000222,
    error: "invalid_client",
    status: 401,
    authorize: "page",
    message:
      "The provided client secret keys for app '{clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.",
    section: "§6.4, §9.1",
  }),
  secret_missing: row({
    code: 7000218,
    error: "invalid_client",
    status: 401,
    authorize: "page",
    message: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    section: "§6.4, §9.1",
  }),
  public_client_with_secret: row({
    code: 700025,
    error: "invalid_client", // [guess] §6.4 has no observed error string
    status: 401,
    authorize: "page",
    message: "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
    section: "§3.1, §6.4",
  }),
  assertion_signature_invalid: row({
    code: 700027,
    error: "invalid_client",
    status: 401,
    authorize: "page",
    message: "Client assertion failed signature validation.",
    section: "§9.2 (700027: signature validation)",
  }),
  assertion_key_not_found: row({
    code: 700027,
    error: "invalid_client",
    status: 401,
    authorize: "page",
    // [guess] wording: the public error reference's 700027 text for a thumbprint that is not registered
    message:
      "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{clientId}'.]",
    section: "§9.2 (700027)",
  }),
  assertion_expired: row({
    code: 500133,
    error: "invalid_client", // [guess] §9.2 names the code, not the error string
    status: 401,
    authorize: "page",
    message:
      "Assertion is not within its valid time range. Ensure that the access token is not expired before using it for user assertion, or request a new token. Current time: {now}, expiry time of assertion {expiry}.",
    section: "§9.2 (500133: assertion expired)",
  }),
  assertion_invalid: row({
    code: 50013,
    error: "invalid_client", // [guess]
    status: 401,
    authorize: "page",
    message: "Assertion is invalid because of various reasons: {why}.",
    section: "§9.2 (50013: assertion invalid)",
  }),
  assertion_audience_invalid: row({
    code: 50012,
    error: "invalid_client", // [guess]
    status: 401,
    authorize: "page",
    message: "Client assertion audience claim does not match Realm issuer.",
    section: "§9.2 (50012: cert/assertion problems; aud must be the token endpoint)",
  }),
  redirect_uri_mismatch: row({
    code: 50011,
    error: "invalid_request",
    status: 400,
    authorize: "page",
    message:
      "The redirect URI '{redirectUri}' specified in the request does not match the redirect URIs configured for the application '{clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.",
    section: "§2.3 (not redirected)",
  }),
  not_multi_tenant: row({
    code: 50194,
    error: "invalid_request",
    status: 400,
    authorize: "page", // [guess] a registration problem, like 700016
    message:
      "Application '{clientId}'({appName}) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.",
    section: "§6.4",
  }),
  resource_not_found: row({
    code: 500011,
    error: "invalid_resource",
    status: 400,
    authorize: "redirect",
    message:
      "The resource principal named {resource} was not found in the tenant named {tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.",
    section: "§2.3 (observed redirect), §6.4",
  }),

  resource_disabled: row({
    code: 500014,
    error: "invalid_resource", // [guess] §6.4 has no observed error string
    status: 400,
    authorize: "redirect",
    message:
      "The service principal for resource '{resource}' is disabled. This indicate that a subscription within the tenant has lapsed, or that the administrator for this tenant has disabled the application, preventing tokens from being issued for it.",
    section: "§6.4, §6.6 (resource SP disabled)",
  }),

  // ---- request shape --------------------------------------------------------------------------
  missing_parameter: row({
    code: 900144,
    error: "invalid_request",
    status: 400,
    authorize: "redirect",
    message: "The request body must contain the following parameter: '{name}'.",
    section: "§2.3 (observed redirect)",
  }),
  invalid_request: row({
    code: 9002313,
    error: "invalid_request",
    status: 400,
    authorize: "redirect",
    message: "Invalid request. Request is malformed or invalid.",
    section: "§6.4",
  }),
  method_not_allowed: row({
    code: 900561,
    error: "invalid_request",
    status: 400,
    authorize: "page",
    message: "The endpoint only accepts POST, OPTIONS requests. Received a {method} request.",
    section: "[guess] Microsoft error reference",
  }),
  unsupported_response_type: row({
    code: 700054,
    error: "unsupported_response_type",
    status: 400,
    authorize: "redirect",
    message: "response_type '{responseType}' is not enabled for the application.",
    section: "§2.3 (implicit grant not enabled; the emulator enables none)",
  }),
  unsupported_grant_type: row({
    code: 70003,
    error: "unsupported_grant_type",
    status: 400,
    authorize: "redirect",
    message: "The app requested an unsupported grant type '{grantType}'.",
    section: "§6.2",
  }),
  grant_not_on_common: row({
    code: 9001023,
    error: "invalid_request", // [guess] docs/reference/entra-id.md gives the code only
    status: 400,
    authorize: "redirect",
    message:
      "The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
    section: "§3.1",
  }),
  scope_multiple_resources: row({
    code: 700022,
    error: "invalid_scope",
    status: 400,
    authorize: "redirect",
    message:
      "The provided value for the input parameter scope is not valid because it contains more than one resource. Scope {scope} is not valid.",
    section: "§3.1 (one resource per request)",
  }),
  scope_not_default: row({
    code: 1002012,
    error: "invalid_scope",
    status: 400,
    authorize: "redirect",
    message:
      "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
    section: "§3.1 (`<resource>/.default`) [guess: code]",
  }),
  flow_expired: row({
    code: 50089,
    error: "invalid_request",
    status: 400,
    authorize: "page",
    message: "Flow token expired - Authentication Failed.",
    section: "[guess] the sign-in form's transaction is unknown or expired",
  }),

  // ---- device flow (§4.2) ---------------------------------------------------------------------
  device_pending: row({
    code: 70016,
    error: "authorization_pending",
    status: 400,
    authorize: "page",
    message: "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
    section: "§4.2 (squarephish payload)",
  }),
  device_expired: row({
    code: 70020,
    error: "expired_token",
    status: 400,
    authorize: "page",
    message:
      "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
    section: "§4.2",
  }),
  device_declined: row({
    code: 65004,
    error: "authorization_declined",
    status: 400,
    authorize: "page",
    message: "User declined to consent to access the app.", // [guess] §4.2 gives no AADSTS number
    section: "§4.2 [guess: code]",
  }),
  device_code_unknown: row({
    code: 70018,
    error: "bad_verification_code", // 70018 is "BadVerificationCode" in the error reference
    status: 400,
    authorize: "page",
    message: "Invalid verification code due to User typing in wrong user code for device code flow.",
    section: "§4.2",
  }),
  user_code_expired: row({
    code: 70019,
    error: "expired_token",
    status: 400,
    authorize: "page",
    message: "Verification code expired.",
    section: "§6.4 (70019)",
  }),

  // ---- service health (fault injection) -------------------------------------------------------
  server_error: row({
    code: 50000,
    error: "server_error",
    status: 500,
    authorize: "page",
    message: "There was an error issuing a token or an issue with our sign-in service.",
    section: "§6.1 (5xx transient) [guess: body]",
  }),
  temporarily_unavailable: row({
    code: 90006,
    error: "temporarily_unavailable",
    status: 503,
    authorize: "page",
    message: "The service is temporarily unavailable.",
    section: "§6.1 (5xx transient) [guess: body]",
  }),
  throttled: row({
    code: 50196,
    error: "temporarily_unavailable",
    status: 429,
    authorize: "page",
    message:
      "The server terminated an operation because it encountered a client request loop. Please contact your app vendor.",
    section: "§6.1 (429 + Retry-After; 50196 = throttled for MSAL) [guess: body]",
  }),
} as const satisfies Record<string, AadstsRow>;

export type Situation = keyof typeof AADSTS;

/** Interactive sign-in (sign-in page, device page) per account state (§6.4, §6.6). */
export const USER_STATE_AT_SIGN_IN: Readonly<Record<UserRecordState, Situation | undefined>> = {
  active: undefined,
  disabled: "user_disabled",
  deleted: "user_not_found",
  locked: "user_locked",
  password_expired: "password_expired",
  mfa_required: "mfa_required",
  blocked_by_conditional_access: "ca_blocked",
};

/**
 * Token endpoint (code redemption, refresh, device polling) per account state.
 * Lockout and password expiry stop password sign-ins, not refresh tokens
 * ("Password expires: alive", §7).
 */
export const USER_STATE_AT_TOKEN: Readonly<Record<UserRecordState, Situation | undefined>> = {
  active: undefined,
  disabled: "user_disabled",
  deleted: "user_not_found",
  locked: undefined,
  password_expired: undefined,
  mfa_required: "mfa_required",
  blocked_by_conditional_access: "ca_blocked",
};

/** App states (§6.6); an expired secret is refused only when it is presented (§9.1). */
export const APP_STATE: Readonly<Record<EntraAppState, Situation | undefined>> = {
  enabled: undefined,
  disabled: "app_disabled",
  secret_expired: undefined,
  deleted: "app_not_found",
};

/** Tenant states (§6.4, §6.6). */
export const TENANT_STATE: Readonly<Record<EntraTenantState, Situation | undefined>> = {
  active: undefined,
  blocked: "tenant_blocked",
  decommissioned: "tenant_decommissioned",
  deleted: "tenant_not_found",
};

type UserRecordState = Exclude<EntraUserState, "tokens_revoked">;
